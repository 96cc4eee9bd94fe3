using System.Text.Json.Nodes;

namespace Holt.Audit;

/// <summary>What one base chain does with the stranger's packet.</summary>
internal enum ChainVerdict
{
    Accept,
    Drop,

    /// <summary>Dropped, except for some source addresses that an earlier rule accepts.</summary>
    SomeSources,

    /// <summary>A rule Holt cannot read may accept it before the chain drops it.</summary>
    Unsure,
}

/// <summary>The verdict and the rule or policy that gave it, as evidence.</summary>
internal sealed record ChainOutcome(ChainVerdict Verdict, string Reason);

/// <summary>
/// Follows one base chain's rules for <see cref="NftPacket"/> as the kernel would: in order, into jumps and gotos,
/// until a verdict or the policy. A rule whose match Holt cannot read does not stop the walk: when it could accept,
/// the outcome is <see cref="ChainVerdict.Unsure"/> unless a later rule accepts outright; when it could drop, it is
/// passed over (the audit asks whether a stranger could get in, so an uncertain drop protects nothing).
/// </summary>
internal sealed class NftChainWalk(NftRuleset ruleset, NftPacket packet)
{
    private const int MaxDepth = 16;

    private string? _sources;
    private string? _unsure;

    public static ChainOutcome Judge(NftRuleset ruleset, NftChain chain, NftPacket packet)
    {
        var walk = new NftChainWalk(ruleset, packet);
        (Step step, string reason) = walk.Walk(chain, 0);
        if (step == Step.Return)
        {
            step = chain.Policy == "drop" ? Step.Drop : Step.Accept;
            reason = $"{chain.Label} has policy {chain.Policy ?? "accept"}";
        }

        if (step == Step.Accept)
        {
            return new ChainOutcome(ChainVerdict.Accept, reason);
        }

        return walk._unsure is not null ? new ChainOutcome(ChainVerdict.Unsure, $"{walk._unsure} may accept it (Holt cannot read that match), then {reason}")
            : walk._sources is not null ? new ChainOutcome(ChainVerdict.SomeSources, $"only some sources: {walk._sources}; for the rest {reason}")
            : new ChainOutcome(ChainVerdict.Drop, reason);
    }

    private enum Step
    {
        Accept,
        Drop,
        Return,
    }

    private (Step Step, string Reason) Walk(NftChain chain, int depth)
    {
        if (depth > MaxDepth)
        {
            _unsure ??= $"{chain.Label} (jumps nested deeper than {MaxDepth})";
            return (Step.Return, "");
        }

        foreach (NftRule rule in ruleset.RulesOf(chain))
        {
            (Holds holds, bool conditional, JsonObject? verdict) = Read(rule.Expressions);
            if (holds == Holds.No || verdict is null)
            {
                continue;
            }

            string evidence = $"{chain.Label}: {rule.Text}";
            (string key, JsonNode? body) = verdict.First();
            switch (key)
            {
                case "accept":
                    if (holds == Holds.Yes)
                    {
                        return (Step.Accept, $"{evidence} accepts it");
                    }

                    Maybe(holds, evidence);
                    break;
                case "drop" or "reject":
                    if (holds == Holds.Yes && !conditional)
                    {
                        return (Step.Drop, $"{evidence} drops it");
                    }

                    break;
                case "return":
                    if (holds == Holds.Yes)
                    {
                        return (Step.Return, "");
                    }

                    break;
                case "jump" or "goto":
                    if (body is not JsonObject target || Json.Text(target["target"]) is not string name || ruleset.Find(chain, name) is not NftChain next)
                    {
                        Maybe(Holds.Unknown, evidence);
                        break;
                    }

                    (Step step, string reason) = Walk(next, depth + 1);
                    if (holds == Holds.Yes)
                    {
                        if (step != Step.Return || key == "goto")
                        {
                            return (step, reason);
                        }
                    }
                    else if (step == Step.Accept)
                    {
                        Maybe(holds, reason);
                    }

                    break;
                default:
                    // queue, a NAT statement in a filter chain, anything newer: it may let the packet through.
                    Maybe(Holds.Unknown, evidence);
                    break;
            }
        }

        return (Step.Return, "");
    }

    private void Maybe(Holds holds, string evidence)
    {
        if (holds == Holds.ForSomeSources)
        {
            _sources ??= evidence;
        }
        else
        {
            _unsure ??= evidence;
        }
    }

    /// <summary>
    /// Whether the rule's matches all hold (the weakest of them), whether its verdict is conditional (a rate limit
    /// or a meter decides), and its verdict statement, or null when it has none (a counter, a log).
    /// </summary>
    private (Holds Holds, bool Conditional, JsonObject? Verdict) Read(JsonArray expressions)
    {
        Holds holds = Holds.Yes;
        bool conditional = false;
        JsonObject? verdict = null;
        foreach (JsonNode? node in expressions)
        {
            if (node is not JsonObject statement || statement.Count != 1)
            {
                holds = Weaker(holds, Holds.Unknown);
                continue;
            }

            (string key, JsonNode? body) = statement.First();
            switch (key)
            {
                case "match" when body is JsonObject match:
                    holds = Weaker(holds, packet.Evaluate(match));
                    break;
                case "counter" or "log" or "comment" or "notrack" or "mangle":
                    break;
                case "limit" or "quota":
                    conditional = true;
                    break;
                case "set":
                    conditional |= body is JsonObject set && set["stmt"] is JsonArray;
                    break;
                case "xt":
                    // An iptables extension nft cannot show: it matches something Holt cannot see.
                    holds = Weaker(holds, Holds.Unknown);
                    break;
                default:
                    verdict = statement;
                    break;
            }
        }

        return (holds, conditional, verdict);
    }

    private static Holds Weaker(Holds a, Holds b) =>
        a == Holds.No || b == Holds.No ? Holds.No
        : a == Holds.Unknown || b == Holds.Unknown ? Holds.Unknown
        : a == Holds.ForSomeSources || b == Holds.ForSomeSources ? Holds.ForSomeSources
        : Holds.Yes;
}

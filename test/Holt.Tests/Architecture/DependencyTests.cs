using System.Reflection;
using System.Reflection.Emit;
using Holt.Cli;

namespace Holt.Tests.Architecture;

/// <summary>
/// The folders of src/Holt depend on each other one way: the command line on the subsystems, the subsystems on the
/// shared folders, the shared folders on each other only downwards, and all of them on the engine. The test reads
/// the compiled assembly, not the source: every type a folder's code names (in signatures, fields, base types and
/// the instructions of every method body, lambdas and generated code included) counts.
/// </summary>
public sealed class DependencyTests
{
    /// <summary>Which folders each folder may use. A folder missing here is a new one the architecture must place.</summary>
    private static readonly Dictionary<string, string[]> s_allowed = new(StringComparer.Ordinal)
    {
        // Shared, from the bottom up.
        ["Interop"] = [],
        ["Logging"] = [],
        ["Text"] = [],
        ["External"] = [],
        ["Machine"] = [],
        ["Storage"] = ["Interop"],
        ["Config"] = ["Text", "Storage", "Interop"],
        ["Qr"] = ["Storage", "Text", "Interop"],
        ["Hosting"] = ["Config", "Logging", "Storage", "Interop", "Text"],
        ["Nft"] = ["External", "Storage", "Interop", "Logging", "Text"],
        ["Tun"] = ["Interop", "Logging"],
        ["Net"] = ["Interop", "Logging"],
        ["Uapi"] = ["Tun", "Interop", "Logging", "Text"],

        // The engine's Linux host, shared by the gateway, the wg-quick client and holt tunnel.
        ["Tunnel"] = ["Tun", "Net", "Uapi", "Interop", "Logging", "Hosting"],

        // Subsystems: the gateway is what the firewall and the guard protect; they never use each other.
        ["Gateway"] = [.. Shared, "Tunnel"],
        ["Quick"] = [.. Shared, "Tunnel"],
        ["Firewall"] = [.. Shared, "Gateway"],
        ["Guard"] = [.. Shared, "Gateway"],

        // The import turns other tools' server configurations into the gateway's, reading wg-quick's values as the
        // client's parser does.
        ["Import"] = [.. Shared, "Tunnel", "Gateway", "Quick"],

        // The monitor watches the gateway's peers.
        ["Monitor"] = [.. Shared, "Gateway"],

        // The one status model reads every subsystem.
        ["Status"] = [.. Shared, "Tunnel", "Gateway", "Firewall", "Guard"],

        // The Prometheus endpoint shows the status model and the monitor's, the guard's and the firewall's figures
        // (the monitor itself may not use the guard or the firewall).
        ["Metrics"] = [.. Shared, "Tunnel", "Gateway", "Firewall", "Guard", "Monitor", "Status", "Audit"],

        // The dashboard shows and changes every subsystem; the command line hands it the edits that span them.
        ["Dashboard"] = [.. Shared, "Tunnel", "Gateway", "Firewall", "Guard", "Monitor", "Status", "Audit"],

        // The audit reads the whole machine: every subsystem's configuration and state, the monitor's history, the status model.
        ["Audit"] = [.. Shared, "Tunnel", "Gateway", "Firewall", "Guard", "Monitor", "Status"],
    };

    private static string[] Shared => ["Interop", "Logging", "Text", "Qr", "External", "Machine", "Storage", "Config", "Hosting", "Nft", "Tun", "Net", "Uapi"];

    private static readonly Assembly s_holt = typeof(HoltCommand).Assembly;

    [Fact]
    public void EveryFolder_IsPlacedInTheArchitecture()
    {
        var folders = s_holt.GetTypes().Select(FolderOf).Where(f => f is not null && f != "Cli").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.DoesNotContain(folders, f => !s_allowed.ContainsKey(f!));
    }

    [Fact]
    public void EveryDependency_PointsDown()
    {
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in s_holt.GetTypes())
        {
            string? from = FolderOf(type);
            if (from is null or "Cli" || !s_allowed.TryGetValue(from, out string[]? allowed))
            {
                continue;
            }

            foreach (Type used in Uses(type))
            {
                string? to = FolderOf(used);
                if (to is not null && to != from && !allowed.Contains(to))
                {
                    wrong.Add($"{from} -> {to}: {type.FullName} uses {used.FullName}");
                }
            }
        }

        Assert.True(wrong.Count == 0, "dependencies that point up or sideways:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void TheWalker_SeesAUseInsideAMethodBody()
    {
        // FirewallOperations names SshSession only inside method bodies (static calls): the walker must see it.
        Type operations = s_holt.GetType("Holt.Firewall.FirewallOperations", throwOnError: true)!;

        Assert.Contains(Uses(operations), t => t.FullName == "Holt.Machine.SshSession");
    }

    /// <summary>The folder of a type of Holt's: the namespace part after "Holt"; null for types of other assemblies.</summary>
    private static string? FolderOf(Type type)
    {
        if (type.Assembly != s_holt)
        {
            return null;
        }

        string? space = type.Namespace;
        if (space is null)
        {
            // Program's top-level code is the command line; the compiler's own helpers (<PrivateImplementationDetails>,
            // collection expressions' read-only lists) belong to no folder.
            Type outermost = type;
            while (outermost.DeclaringType is Type declaring)
            {
                outermost = declaring;
            }

            return outermost.Name.StartsWith('<') ? null : "Cli";
        }

        if (space == "Holt")
        {
            // The root's neutral types (CommandException).
            return null;
        }

        string[] parts = space.Split('.');
        return parts.Length >= 2 && parts[0] == "Holt" ? parts[1] : null;
    }

    /// <summary>Every type <paramref name="type"/> names: its signatures, fields, base and interfaces, and every method body's operands.</summary>
    private static HashSet<Type> Uses(Type type)
    {
        var found = new HashSet<Type>();
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Add(found, type.BaseType);
        foreach (Type contract in type.GetInterfaces())
        {
            Add(found, contract);
        }

        foreach (FieldInfo field in type.GetFields(All))
        {
            Add(found, field.FieldType);
        }

        foreach (MethodBase method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                Add(found, info.ReturnType);
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                Add(found, parameter.ParameterType);
            }

            foreach (Type used in BodyUses(method))
            {
                Add(found, used);
            }
        }

        return found;
    }

    private static void Add(HashSet<Type> found, Type? type)
    {
        if (type is null)
        {
            return;
        }

        if (type.HasElementType)
        {
            Add(found, type.GetElementType());
            return;
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (Type argument in type.GetGenericArguments())
            {
                Add(found, argument);
            }

            type = type.GetGenericTypeDefinition();
        }

        if (!type.IsGenericParameter)
        {
            _ = found.Add(type);
        }
    }

    private static readonly Dictionary<short, OpCode> s_opcodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types a method body's instructions name: calls, field accesses, casts, allocations, ldtoken.</summary>
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            OpCode code = s_opcodes[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, at);
                    at += 4;
                    if (Resolve(method.Module, token, typeArguments, methodArguments) is MemberInfo member)
                    {
                        yield return member as Type ?? member.DeclaringType!;
                        if (member is FieldInfo field)
                        {
                            yield return field.FieldType;
                        }
                        else if (member is MethodInfo called)
                        {
                            yield return called.ReturnType;
                            foreach (Type argument in called.IsGenericMethod ? called.GetGenericArguments() : [])
                            {
                                yield return argument;
                            }
                        }
                    }

                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            // A member of a generic type seen from outside its context; its declaring type is named elsewhere too.
            return null;
        }
    }
}

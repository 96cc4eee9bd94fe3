using Holt.Config;
using Holt.Firewall;
using Holt.Gateway;
using Holt.Status;
using Holt.Text;
using Microsoft.AspNetCore.Http;

namespace Holt.Dashboard;

/// <summary>The Firewall page's API: the rules in words, and changes on the safe path of <c>holt firewall apply</c>.</summary>
internal sealed partial class DashboardApi
{
    private Task Firewall(HttpContext context)
    {
        // The file itself, not the daemon's copy: a change just confirmed must show before the daemon's next reload.
        HoltConfig config;
        try
        {
            config = sources.Store.Load();
        }
        catch (CommandException)
        {
            config = sources.Config();
        }

        FirewallView? status = sources.Status().Firewall;
        DateTimeOffset now = sources.Time.GetUtcNow();
        (string, DateTimeOffset Deadline)? pending = FirewallRuntime.ReadPending(config.Gateway.Interface);
        var view = new FirewallPage
        {
            Enabled = config.Firewall.Enabled,
            Loaded = status?.Loaded,
            Intact = status?.Intact,
            PendingUntil = pending?.Deadline,
            PendingSeconds = pending is (_, DateTimeOffset deadline) ? Math.Max(0, (long)Math.Ceiling((deadline - now).TotalSeconds)) : null,
            Rules = FirewallWords.Describe(config),
            Exposures = [.. config.Exposures.Select(e => new ExposureView(
                e.PublicPort, Ruleset.ProtocolName(e.Protocol), e.Peer, e.ToPort, [.. e.Sources.Select(n => n.ToString())], e.Snat,
                config.Gateway.FindPeer(e.Peer) is { Enabled: true } peer && !peer.IsExpired(now)))],
            Peers = [.. config.Gateway.Peers.Select(p => p.Name)],
        };
        return Api.Json(context, view, DashboardJson.Default.FirewallPage);
    }

    private async Task ApplyFirewall(HttpContext context)
    {
        if (await Api.Body(context, DashboardJson.Default.ApplyBody).ConfigureAwait(false) is ApplyBody body)
        {
            await Pending(context, body.ConfirmTimeout, null).ConfigureAwait(false);
        }
    }

    private async Task Expose(HttpContext context)
    {
        if (await Api.Body(context, DashboardJson.Default.ExposeBody).ConfigureAwait(false) is not ExposeBody body)
        {
            return;
        }

        var request = new ExposeRequest
        {
            PublicPort = body.PublicPort,
            Peer = body.Peer ?? "",
            ToPort = body.ToPort,
            Protocol = body.Protocol ?? "tcp",
            Sources = body.Sources ?? [],
            Snat = body.Snat,
        };
        await Pending(context, body.ConfirmTimeout, config => ExposeOperations.WithExposure(config, request).Config).ConfigureAwait(false);
    }

    private Task Unexpose(HttpContext context)
    {
        string portText = context.Request.Query["port"].Count == 1 ? context.Request.Query["port"][0]! : "";
        string protocol = context.Request.Query["protocol"].Count == 1 ? context.Request.Query["protocol"][0]! : "tcp";
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port))
        {
            return Api.Error(context, StatusCodes.Status400BadRequest, $"port must be a number, not '{Printable.Of(portText)}'");
        }

        return Pending(context, null, config => ExposeOperations.WithoutExposure(config, port, protocol).Config);
    }

    /// <summary>
    /// A firewall change the way <c>holt firewall apply</c> makes it: checked by nft, loaded, and rolled back (table
    /// and holt.toml) unless confirmed within the timeout.
    /// </summary>
    private Task Pending(HttpContext context, int? confirmTimeout, Func<HoltConfig, HoltConfig>? edit) =>
        Api.Change(context, () =>
        {
            TimeSpan timeout = TimeSpan.FromSeconds(confirmTimeout ?? (int)FirewallOperations.DefaultConfirmTimeout.TotalSeconds);
            DateTimeOffset deadline = FirewallOperations.Apply(sources.Store, timeout, sources.Time.GetUtcNow(), edit);
            return (StatusCodes.Status202Accepted, new PendingChange(deadline, (long)timeout.TotalSeconds,
                "loaded; confirm within the time left, or the previous firewall comes back by itself"));
        }, DashboardJson.Default.PendingChange);

    private async Task ConfirmFirewall(HttpContext context)
    {
        if (await Api.Body(context, DashboardJson.Default.ConfirmBody).ConfigureAwait(false) is not ConfirmBody body)
        {
            return;
        }

        // Through the tunnel, the confirmation itself shows the admin still gets in; over an SSH forward it shows
        // only that SSH still does, which may be the public port the change closes next.
        if (DashboardServer.VisitorOf(context).Kind != VisitorKind.Admin && !body.Force)
        {
            await Api.Error(
                context,
                StatusCodes.Status400BadRequest,
                "this session is an SSH forward, so confirming shows nothing about access through the VPN; confirm from an admin peer through the tunnel, or say force").ConfigureAwait(false);
            return;
        }

        await Api.Change(context, () =>
        {
            FirewallOperations.Confirm(sources.Store, sources.Time.GetUtcNow());
            return (StatusCodes.Status200OK, new Done("confirmed: the firewall stays, and holt up restores it after a reboot"));
        }, DashboardJson.Default.Done).ConfigureAwait(false);
    }
}

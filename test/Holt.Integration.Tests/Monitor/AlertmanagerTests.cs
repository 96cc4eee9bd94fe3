using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Holt.Integration.Tests.Harness;
using Holt.Monitor;
using Holt.Monitor.Notify;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Monitor;

/// <summary>
/// A fact that needs Debian's prometheus-alertmanager: skipped without it, but failed under CI=true, where a skip
/// would hide a broken setup. Loopback only: no root needed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlertmanagerFactAttribute : FactAttribute
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";

    public AlertmanagerFactAttribute()
    {
        if (!File.Exists(Binary) && !Requirements.IsCi)
        {
            Skip = $"Needs {Binary}: apt-get install prometheus-alertmanager. Under CI=true this fails instead of skipping.";
        }
    }
}

/// <summary>
/// A real Alertmanager, on private loopback ports with its own configuration and storage, takes Holt's alert
/// through its API (Holt's alertmanager notifier) and forwards it, firing and then resolved, to a webhook receiver
/// the test runs.
/// </summary>
public sealed class AlertmanagerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [AlertmanagerFact]
    public async Task Alertmanager_RoutesHoltsAlert_FiringThenResolved_ToAWebhook()
    {
        Assert.True(File.Exists(AlertmanagerFactAttribute.Binary), $"{AlertmanagerFactAttribute.Binary} is missing: apt-get install prometheus-alertmanager");
        string directory = Directory.CreateTempSubdirectory("holt-alertmanager-").FullName;
        int webhookPort = FreePort();
        int alertmanagerPort = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{webhookPort}/");
        listener.Start();
        var received = new ConcurrentQueue<JsonDocument>();
        _ = Task.Run(() => ReceiveAsync(listener, received));

        string config = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(config, $"""
            route:
              receiver: holt-test
              group_by: ['alertname']
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: holt-test
                webhook_configs:
                  - url: http://127.0.0.1:{webhookPort}/alerts
                    send_resolved: true
            """);
        BackgroundProcess alertmanager = BackgroundProcess.Start(
        [
            AlertmanagerFactAttribute.Binary,
            "--config.file=" + config,
            "--storage.path=" + Path.Combine(directory, "data"),
            $"--web.listen-address=127.0.0.1:{alertmanagerPort}",
            "--cluster.listen-address=",
        ]);
        try
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Poll.UntilAsync(
                async () => await Ready(probe, alertmanagerPort),
                s_deadline,
                () => "Alertmanager did not become ready:\n" + alertmanager.Log());

            using var http = new NotifyHttp();
            INotifier notifier = Notifiers.Create(
                new NotifierConfig { Name = "fleet", Type = NotifierType.Alertmanager, Url = new Uri($"http://127.0.0.1:{alertmanagerPort}") },
                http);
            DateTimeOffset fired = DateTimeOffset.UtcNow.AddSeconds(-30);
            var firing = new AlertMessage
            {
                Key = "peer_down:home",
                Rule = "peer_down",
                Severity = AlertSeverity.Critical,
                Summary = "expected peer home is down",
                Description = "no handshake for 5m",
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["alertname"] = "HoltPeerDown",
                    ["severity"] = "critical",
                    ["interface"] = "wg0",
                    ["gateway"] = "gw-test",
                    ["peer"] = "home",
                },
                StartsAt = fired,
            };

            SendResult sent = await notifier.SendAsync([firing], DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.True(sent.Ok, sent.Error);
            JsonElement firingAlert = await ReceivedAsync(received, "firing", alertmanager);
            Assert.Equal(
                [("alertname", "HoltPeerDown"), ("gateway", "gw-test"), ("interface", "wg0"), ("peer", "home"), ("severity", "critical")],
                firingAlert.GetProperty("labels").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).Order());
            Assert.Equal("expected peer home is down", firingAlert.GetProperty("annotations").GetProperty("summary").GetString());
            Assert.Equal(fired.ToUnixTimeSeconds(), DateTimeOffset.Parse(firingAlert.GetProperty("startsAt").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());

            sent = await notifier.SendAsync([firing with { EndsAt = DateTimeOffset.UtcNow }], DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.True(sent.Ok, sent.Error);
            JsonElement resolvedAlert = await ReceivedAsync(received, "resolved", alertmanager);
            Assert.Equal("home", resolvedAlert.GetProperty("labels").GetProperty("peer").GetString());
            Assert.Equal(firingAlert.GetProperty("fingerprint").GetString(), resolvedAlert.GetProperty("fingerprint").GetString());
        }
        finally
        {
            output.WriteLine(alertmanager.Log());
            listener.Stop();
            alertmanager.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Waits for a webhook call that carries Holt's alert in <paramref name="status"/>.</summary>
    private static async Task<JsonElement> ReceivedAsync(ConcurrentQueue<JsonDocument> received, string status, BackgroundProcess alertmanager)
    {
        JsonElement? found = null;
        await Poll.UntilAsync(
            () =>
            {
                found = received
                    .Where(d => d.RootElement.GetProperty("version").GetString() == "4")
                    .SelectMany(d => d.RootElement.GetProperty("alerts").EnumerateArray())
                    .Where(a => a.GetProperty("status").GetString() == status && a.GetProperty("labels").TryGetProperty("peer", out JsonElement peer) && peer.GetString() == "home")
                    .Select(a => (JsonElement?)a)
                    .FirstOrDefault();
                return Task.FromResult(found is not null);
            },
            s_deadline,
            () => $"the webhook got no {status} alert from Alertmanager ({received.Count} calls):\n" + alertmanager.Log());
        return found!.Value;
    }

    private static async Task ReceiveAsync(HttpListener listener, ConcurrentQueue<JsonDocument> received)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream))
            {
                received.Enqueue(JsonDocument.Parse(await reader.ReadToEndAsync()));
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private static async Task<bool> Ready(HttpClient client, int port)
    {
        try
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/-/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

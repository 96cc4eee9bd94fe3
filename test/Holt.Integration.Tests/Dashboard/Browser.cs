using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Holt.Integration.Tests.Harness;
using Microsoft.Win32.SafeHandles;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Remote;

namespace Holt.Integration.Tests.Dashboard;

/// <summary>
/// A real headless Chromium (Debian's chromium, driven by its chromium-driver through Selenium WebDriver) inside a
/// host's network namespace, so it reaches the gateway as that host does: through the host's tunnel. The driver
/// listens on the namespace's own loopback; the test reaches it through a relay whose sockets into the namespace
/// are made on a thread that entered it with setns(2). Chromium resolves no names and makes no background requests:
/// its only traffic goes to the addresses a test opens.
/// </summary>
internal sealed partial class Browser : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly TcpListener _relay;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _screenshots;

    private Browser(TcpListener relay, string screenshots)
    {
        _relay = relay;
        _screenshots = screenshots;
    }

    public RemoteWebDriver Driver { get; private set; } = null!;

    /// <summary>
    /// Starts the driver and a browser in <paramref name="host"/>'s namespace, which opens only
    /// <paramref name="reachable"/> (an IP literal); <paramref name="dark"/> has it prefer a dark colour scheme, as a
    /// system in dark mode does.
    /// </summary>
    public static async Task<Browser> StartAsync(Lab lab, Host host, string reachable, bool dark = false)
    {
        int port = Random.Shared.Next(20000, 30000);
        string directory = Path.Combine(lab.Directory, "browser-" + host.Interface + (dark ? "-dark" : ""));
        Directory.CreateDirectory(directory);
        string log = Path.Combine(directory, "chromedriver.log");
        lab.KeepLog(log);
        _ = lab.StartProcess(host.Namespace, Tools.Chromedriver, $"--port={port}", "--log-path=" + log);

        var relay = new TcpListener(IPAddress.Loopback, 0);
        relay.Start();
        var browser = new Browser(relay, ScreenshotDirectory());
        _ = Task.Run(() => browser.RelayAsync(host.Namespace.Name, port));
        var options = new ChromeOptions { BinaryLocation = Tools.Chromium };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + Path.Combine(directory, "profile"),
            "--window-size=1280,900", "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-domain-reliability", "--disable-sync", "--no-pings", "--disable-client-side-phishing-detection", "--metrics-recording-only",
            "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE " + reachable);
        if (dark)
        {
            // Blink's preferred scheme: 0 is dark.
            options.AddArgument("--blink-settings=preferredColorScheme=0");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                browser.Driver = new RemoteWebDriver(new Uri($"http://127.0.0.1:{((IPEndPoint)relay.LocalEndpoint).Port}/"), options.ToCapabilities(), TimeSpan.FromSeconds(60));
                break;
            }
            catch (WebDriverException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }

        browser.Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
        return browser;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails with what <paramref name="describe"/> says.</summary>
    public T Until<T>(Func<IWebDriver, T?> condition, TimeSpan timeout, Func<string> describe)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (condition(Driver) is T value && !(value is bool b && !b))
                {
                    return value;
                }
            }
            catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException or InvalidOperationException)
            {
                // Not there yet, or redrawn while looked at.
            }

            if (DateTime.UtcNow > end)
            {
                throw new Xunit.Sdk.XunitException(describe() + "\nthe page:\n" + Driver.FindElement(By.TagName("body")).Text);
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>A screenshot of the whole window, kept with the test results (TestResults/screenshots/NAME.png).</summary>
    public string Screenshot(string name)
    {
        string path = Path.Combine(_screenshots, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Driver?.Quit();
        }
        catch (WebDriverException)
        {
            // The lab stops the driver's process anyway.
        }

        await _stop.CancelAsync();
        _relay.Stop();
        Driver?.Dispose();
        _stop.Dispose();
    }

    private static string ScreenshotDirectory()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.GetFullPath(directory);
    }

    private async Task RelayAsync(string namespaceName, int port)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _relay.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using Socket near = accepted;
                using Socket? far = InNamespace(namespaceName, port);
                if (far is null)
                {
                    return;
                }

                using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                Task one = PumpAsync(near, far, both.Token);
                Task two = PumpAsync(far, near, both.Token);
                _ = await Task.WhenAny(one, two);
                await both.CancelAsync();
            });
        }
    }

    /// <summary>A socket connected to the namespace's loopback port, made on a thread inside the namespace.</summary>
    private static Socket? InNamespace(string namespaceName, int port)
    {
        Socket? connected = null;
        var thread = new Thread(() =>
        {
            using SafeFileHandle handle = File.OpenHandle($"/run/netns/{namespaceName}");
            if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                return;
            }

            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(IPAddress.Loopback, port);
                connected = socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        });
        thread.Start();
        thread.Join();
        return connected;
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancel)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, cancel)) > 0)
            {
                _ = await to.SendAsync(buffer.AsMemory(0, read), cancel);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Either side went away.
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nsType);
}

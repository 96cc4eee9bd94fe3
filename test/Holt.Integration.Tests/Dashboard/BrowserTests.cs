using Holt.Integration.Tests.Harness;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium on an admin peer, through its tunnel to a running gateway: what the
/// page shows is checked against the gateway, and what the page does is checked on the gateway (its holt.toml, its
/// interface, and clients that connect or stop connecting). Screenshots of the pages are kept with the results.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private const string Dashboard = "http://10.8.0.1:9587/";

    [RootFact]
    public Task TheOverview_AddingAPeer_AndDisablingOne_WorkInTheBrowser() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await gateway.EditConfigAsync(text => text + "\n[monitor]\ninterval = \"1s\"\n");
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            Host phone = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin", "--expected");
            string phoneConfig = await gateway.AddPeerAsync("phone", "--expected");
            await gateway.AddPeerAsync("office", "--expected");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            (await lab.WgQuickAsync(phone, "up", await Harness.Gateway.WriteClientConfigAsync(lab, phone, phoneConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");
            await Traffic.WaitUntilReachableAsync(phone, "10.8.0.1", "the gateway");

            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;

            // The overview: two of the three expected peers are up (office never connects).
            page.Navigate().GoToUrl(Dashboard);
            browser.Until(
                d => d.FindElement(By.CssSelector("[data-test=expected]")).Text == "2 of 3",
                TimeSpan.FromSeconds(30),
                () => "the overview never showed 2 of 3 expected peers up");
            Assert.Contains("laptop on " + gateway.Interface, page.FindElement(By.Id("who")).Text, StringComparison.Ordinal);
            browser.Screenshot("overview");
            AssertEveryControlIsNamed(page, "the overview");

            // A peer added in the page: its QR code decodes to exactly what holt peer config prints, and a client
            // brought up with it connects.
            page.Navigate().GoToUrl(Dashboard + "#/peers");
            browser.Until(d => d.FindElements(By.CssSelector("tr[data-peer]")).Count == 3, TimeSpan.FromSeconds(10), () => "the peers table never listed 3 peers");
            browser.Screenshot("peers");
            AssertEveryControlIsNamed(page, "the peers page");
            page.FindElement(By.XPath("//button[text()='Add peer']")).Click();
            page.FindElement(By.Name("name")).SendKeys("tablet");
            page.FindElement(By.XPath("//dialog//button[text()='Add']")).Click();
            IWebElement qr = browser.Until(d => d.FindElement(By.CssSelector("dialog img.qr")), TimeSpan.FromSeconds(15), () => "no QR code appeared after adding a peer");
            browser.Screenshot("peer-added");
            string qrFile = Path.Combine(lab.Directory, "tablet-qr.png");
            ((ITakesScreenshot)qr).GetScreenshot().SaveAsFile(qrFile);
            string decoded = (await Harness.Command.CheckAsync([Tools.Zbarimg, "--raw", "-q", qrFile]))[..^1];
            string printed = await gateway.CheckAsync("peer", "config", "tablet");
            Assert.Equal(printed, decoded);
            Host tablet = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(tablet, "up", await Harness.Gateway.WriteClientConfigAsync(lab, tablet, decoded))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(tablet, "10.8.0.1", "the gateway, with the config from the page's QR code");
            page.FindElement(By.XPath("//dialog//button[text()='Done']")).Click();

            // Disabling a connected peer in the page cuts it off, and the table shows it without a reload (the
            // marker set now would be gone after one).
            _ = page.ExecuteScript("window.holtNoReload = true;");
            page.FindElement(By.CssSelector("tr[data-peer=phone] button")).Click();
            browser.Until(
                d => d.FindElement(By.CssSelector("tr[data-peer=phone] .state")).Text == "disabled",
                TimeSpan.FromSeconds(10),
                () => "the table never showed phone disabled");
            CommandResult cut = await phone.Namespace.TryExecAsync(Tools.Ping, "-c", "2", "-W", "1", "10.8.0.1");
            Assert.NotEqual(0, cut.ExitCode);
            Assert.Contains("enabled = false", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);
            browser.Until(
                d => d.FindElement(By.CssSelector("tr[data-peer=tablet] .state")).Text == "up",
                TimeSpan.FromSeconds(20),
                () => "the table never showed the new peer up, live");
            Assert.Equal(true, page.ExecuteScript("return window.holtNoReload === true;"));

            // On a phone's screen the page fits its width: wide tables scroll inside their panel.
            page.Manage().Window.Size = new System.Drawing.Size(390, 844);
            page.Navigate().GoToUrl(Dashboard + "#/peers");
            browser.Until(d => d.FindElements(By.CssSelector("tr[data-peer]")).Count == 4, TimeSpan.FromSeconds(10), () => "the peers table never listed 4 peers on a phone");
            Assert.Equal(true, page.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;"));
            browser.Screenshot("phone");
        });

    [RootFact]
    public Task ThePeersTable_WithAThousandPeers_Searches_Sorts_AndPages() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab, "--subnet", "10.8.0.0/20");
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");

            // 999 more peers written into holt.toml by hand, as an import would; they never connect.
            var peers = new System.Text.StringBuilder();
            for (int i = 0; i < 999; i++)
            {
                string key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                peers.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n[[peer]]\nname = \"host-{i:D4}\"\npublic_key = \"{key}\"\naddress = \"10.8.{1 + (i / 250)}.{1 + (i % 250)}\"\nenabled = true\n");
            }

            await gateway.EditConfigAsync(text => text + peers);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");

            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;
            page.Navigate().GoToUrl(Dashboard + "#/peers");
            browser.Until(d => d.FindElement(By.CssSelector("main [role=status]")).Text == "1000 of 1000 peers", TimeSpan.FromSeconds(20), () => "the table never counted 1000 peers");
            Assert.Equal(50, page.FindElements(By.CssSelector("tr[data-peer]")).Count);
            Assert.Equal("page 1 of 20", page.FindElement(By.CssSelector(".pager span")).Text);
            Assert.Equal("host-0000", FirstRow(page));
            browser.Screenshot("peers-1000");

            // Paging, then sorting the other way, which starts again from the first page ("laptop" sorts after "host-").
            page.FindElement(By.XPath("//div[@class='pager']/button[text()='Next']")).Click();
            browser.Until(d => FirstRow(d) == "host-0050", TimeSpan.FromSeconds(5), () => "Next did not show the second page");
            Assert.Equal("page 2 of 20", page.FindElement(By.CssSelector(".pager span")).Text);
            page.FindElement(By.CssSelector("button[aria-label='Sort by Name']")).Click();
            browser.Until(d => FirstRow(d) == "laptop", TimeSpan.FromSeconds(5), () => "sorting by name the other way did not reorder the table");
            Assert.Equal("host-0998", page.FindElements(By.CssSelector("tr[data-peer]"))[1].GetAttribute("data-peer"));
            Assert.Equal("page 1 of 20", page.FindElement(By.CssSelector(".pager span")).Text);
            Assert.Equal("descending", page.FindElement(By.XPath("//th[button[@aria-label='Sort by Name']]")).GetAttribute("aria-sort"));

            // A search by name and by address finds the one peer, from the first page.
            IWebElement search = page.FindElement(By.CssSelector("input[type=search]"));
            search.SendKeys("host-0777");
            browser.Until(d => d.FindElements(By.CssSelector("tr[data-peer]")).Count == 1, TimeSpan.FromSeconds(5), () => "the search did not narrow the table to one peer");
            Assert.Equal("host-0777", FirstRow(page));
            Assert.Equal("1 of 1000 peers", page.FindElement(By.CssSelector("main [role=status]")).Text);
            search.Clear();
            search.SendKeys("10.8.4."); // host-0750 to host-0998
            browser.Until(d => d.FindElement(By.CssSelector("main [role=status]")).Text == "249 of 1000 peers", TimeSpan.FromSeconds(5), () => "the search by address did not find the 249 peers of 10.8.4.0/24");
            Assert.Equal("page 1 of 5", page.FindElement(By.CssSelector(".pager span")).Text);
            AssertEveryControlIsNamed(page, "the peers page with 1000 peers");
        });

    [RootFact]
    public Task TheGuardPage_ShowsBans_AndUnbanningThereLiftsTheBanInNftables() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");
            await gateway.CheckAsync("guard", "ban", "203.0.113.77", "--time", "2h");

            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;
            page.Navigate().GoToUrl(Dashboard + "#/guard");
            // The table is redrawn by every reload: its text is read in the same look that finds it.
            string row = browser.Until(
                d => d.FindElement(By.CssSelector("tr[data-ban='203.0.113.77']")).Text,
                TimeSpan.FromSeconds(15),
                () => "the Guard page never listed the ban made with holt guard ban");
            Assert.Contains("manual", row, StringComparison.Ordinal);
            Assert.Matches("1 h 5\\d min|2 h 0 min", row);

            // A ban made in the page reaches the kernel.
            page.FindElement(By.Name("address")).SendKeys("198.51.100.23");
            page.FindElement(By.XPath("//button[text()='Ban']")).Click();
            browser.Until(d => d.FindElements(By.CssSelector("tr[data-ban='198.51.100.23']")).Count == 1, TimeSpan.FromSeconds(10), () => "the page's ban never showed");
            Assert.Contains("198.51.100.23", await gateway.CheckAsync("guard", "status"), StringComparison.Ordinal);
            browser.Screenshot("guard");
            AssertEveryControlIsNamed(page, "the guard page");

            // Unbanning in the page lifts the ban in nftables.
            browser.Until(d => { d.FindElement(By.CssSelector("tr[data-ban='203.0.113.77'] button")).Click(); return true; }, TimeSpan.FromSeconds(10), () => "the Unban button could not be clicked");
            browser.Until(d => d.FindElements(By.CssSelector("tr[data-ban='203.0.113.77']")).Count == 0, TimeSpan.FromSeconds(10), () => "the ban never left the page");
            string kernel = await gateway.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", "holt_guard");
            Assert.DoesNotContain("203.0.113.77", kernel, StringComparison.Ordinal);
            Assert.Contains("198.51.100.23", kernel, StringComparison.Ordinal);
        });

    [RootFact]
    public Task AnExposureMadeInThePage_RollsBackUnlessConfirmed_AndStaysOnceItIs() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");
            await gateway.AddPeerAsync("home");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");
            string table = "holt-" + gateway.Interface;

            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;
            page.Navigate().GoToUrl(Dashboard + "#/firewall");
            browser.Until(d => d.FindElement(By.CssSelector("[data-test=firewall-state]")).Text == "not enabled", TimeSpan.FromSeconds(10), () => "the firewall page never loaded");

            // Not confirmed: the exposure is loaded at once, then the table and holt.toml go back by themselves.
            Expose(page, "8080", "home", "80", "15");
            browser.Until(d => d.FindElement(By.CssSelector("[data-test=pending]")).Text.EndsWith(" s left", StringComparison.Ordinal), TimeSpan.FromSeconds(15), () => "no pending change showed");
            Assert.Contains("dport 8080", await gateway.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", table), StringComparison.Ordinal);
            Assert.Contains("[[expose]]", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);
            browser.Screenshot("firewall-pending");
            browser.Until(
                d => d.FindElements(By.CssSelector("[data-test=pending]")).Count == 0 && d.FindElements(By.CssSelector("tr[data-exposure]")).Count == 0,
                TimeSpan.FromSeconds(30),
                () => "the page never showed the change rolled back");
            Assert.DoesNotContain("dport 8080", (await gateway.Host.Namespace.TryExecAsync(Tools.Nft, "list", "table", "inet", table)).Output, StringComparison.Ordinal);
            Assert.DoesNotContain("[[expose]]", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);

            // Confirmed: it stays past the deadline, and the firewall is enabled for good.
            Expose(page, "8080", "home", "80", "15");
            browser.Until(d => d.FindElements(By.CssSelector("[data-test=pending]")).Count == 1, TimeSpan.FromSeconds(15), () => "no pending change showed the second time");
            page.FindElement(By.XPath("//button[text()='Confirm']")).Click();
            browser.Until(d => d.FindElement(By.CssSelector("[data-test=firewall-state]")).Text == "locked down", TimeSpan.FromSeconds(10), () => "the firewall never showed locked down");
            await Task.Delay(TimeSpan.FromSeconds(17));
            Assert.Contains("dport 8080", await gateway.Host.Namespace.ExecAsync(Tools.Nft, "list", "table", "inet", table), StringComparison.Ordinal);
            string file = File.ReadAllText(gateway.ConfigPath);
            Assert.Contains("[[expose]]", file, StringComparison.Ordinal);
            Assert.Contains("enabled = true", file, StringComparison.Ordinal);
            Assert.Contains("TCP 8080 goes to home (10.8.0.3) port 80, from anyone.", page.FindElement(By.CssSelector("[data-test=rules]")).Text, StringComparison.Ordinal);
            browser.Screenshot("firewall");
            AssertEveryControlIsNamed(page, "the firewall page");
        });

    [RootFact]
    public Task ThePeerChart_DrawsTheMonitorsHistory_AndTheChecksPageItsResults() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            await gateway.EditConfigAsync(text => text + """

                [monitor]
                interval = "1s"

                [[monitor.check]]
                name = "laptop-ping"
                type = "icmp"
                target = "10.8.0.2"
                interval = "2s"
                timeout = "1s"

                """);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");

            // The monitor writes a peer's history a minute at a time: traffic now, then the minute's row.
            _ = await laptop.Namespace.TryExecAsync(Tools.Ping, "-c", "20", "-i", "0.2", "-s", "1000", "10.8.0.1");
            await Poll.UntilAsync(
                async () => (await gateway.RunAsync("monitor", "history", "laptop", "--since", "1h", "--json")).Output.Contains("\"rx_bytes\": ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(90),
                () => "the monitor never wrote a minute of laptop's history");

            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;
            page.Navigate().GoToUrl(Dashboard + "#/peer/laptop");
            browser.Until(d => d.FindElement(By.CssSelector("[data-test=chart]")).GetAttribute("data-points") is string n && int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) > 0, TimeSpan.FromSeconds(15), () => "the chart never got points");

            // The chart's own data, not its pixels: the points uPlot holds are the monitor's, and they carry the traffic.
            var data = (System.Collections.ObjectModel.ReadOnlyCollection<object>)page.ExecuteScript("return window.holtChart.data;")!;
            var received = ((System.Collections.ObjectModel.ReadOnlyCollection<object>)data[1]).Select(v => v is null ? 0.0 : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True(received.Count > 0);
            Assert.True(received.Sum() > 0, "the chart's received series is all zero");
            Assert.Equal(received.Count, ((System.Collections.ObjectModel.ReadOnlyCollection<object>)data[0]).Count);
            browser.Screenshot("peer");
            AssertEveryControlIsNamed(page, "the peer page");

            // By keyboard alone: Tab to Rename, Enter, type. A name the gateway refuses leaves the dialog open with the
            // reason; a good one moves the peer, its page follows, and holt.toml has it.
            TabTo(page, "Rename");
            new OpenQA.Selenium.Interactions.Actions(page).SendKeys(Keys.Enter).Perform();
            IWebElement dialog = browser.Until(d => d.FindElement(By.CssSelector("dialog[open]")), TimeSpan.FromSeconds(5), () => "Enter on Rename opened no dialog");
            Assert.Equal("value", page.SwitchTo().ActiveElement().GetAttribute("name"));
            new OpenQA.Selenium.Interactions.Actions(page).SendKeys("bad name!" + Keys.Enter).Perform();
            browser.Until(d => dialog.FindElement(By.CssSelector("[role=alert]")).Text.Length > 0, TimeSpan.FromSeconds(10), () => "a refused name showed no reason in the dialog");
            Assert.True(dialog.Displayed);
            Assert.Contains("name = \"laptop\"", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);
            new OpenQA.Selenium.Interactions.Actions(page).KeyDown(Keys.Control).SendKeys("a").KeyUp(Keys.Control).SendKeys("work-laptop" + Keys.Enter).Perform();
            browser.Until(d => d.Url.EndsWith("#/peer/work-laptop", StringComparison.Ordinal) && d.FindElements(By.CssSelector("dialog[open]")).Count == 0, TimeSpan.FromSeconds(10), () => "the page never moved to the renamed peer");
            Assert.Contains("name = \"work-laptop\"", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);

            // The expiry, the same way.
            TabTo(page, "Set expiry");
            new OpenQA.Selenium.Interactions.Actions(page).SendKeys(Keys.Enter).Perform();
            browser.Until(d => d.FindElements(By.CssSelector("dialog[open]")).Count == 1, TimeSpan.FromSeconds(5), () => "Enter on Set expiry opened no dialog");
            new OpenQA.Selenium.Interactions.Actions(page).KeyDown(Keys.Control).SendKeys("a").KeyUp(Keys.Control).SendKeys("30d" + Keys.Enter).Perform();
            browser.Until(d => d.FindElements(By.CssSelector("dialog[open]")).Count == 0, TimeSpan.FromSeconds(10), () => "the expiry dialog never closed");
            Assert.Contains("expires = ", File.ReadAllText(gateway.ConfigPath), StringComparison.Ordinal);
            browser.Until(d => d.FindElement(By.CssSelector("main")).Text.Contains("expires in 29 d", StringComparison.Ordinal) || d.FindElement(By.CssSelector("main")).Text.Contains("expires in 30 d", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => "the page never showed the new expiry");

            // The Checks page: the check's result, and its latency chart with points.
            page.Navigate().GoToUrl(Dashboard + "#/checks");
            browser.Until(d => d.FindElement(By.CssSelector("tr[data-check=laptop-ping] .state")).Text == "up", TimeSpan.FromSeconds(20), () => "the check never showed up");
            browser.Until(d => d.FindElement(By.CssSelector("div[data-check=laptop-ping]")).GetAttribute("data-points") is string n && int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) > 0, TimeSpan.FromSeconds(20), () => "the latency chart never got points");
            Assert.Equal("true", page.FindElement(By.XPath("//button[text()='Send test notification']")).GetAttribute("disabled"));
            browser.Screenshot("checks");
            AssertEveryControlIsNamed(page, "the checks page");

            // A system in dark mode gets the dark theme, charts included (uPlot draws on a canvas the style sheet
            // cannot reach, so its axes take the theme's colours when drawn).
            await using Browser darkBrowser = await Browser.StartAsync(lab, laptop, "10.8.0.1", dark: true);
            OpenQA.Selenium.Remote.RemoteWebDriver dark = darkBrowser.Driver;
            dark.Navigate().GoToUrl(Dashboard + "#/peer/work-laptop");
            darkBrowser.Until(d => d.FindElement(By.CssSelector("[data-test=chart]")).GetAttribute("data-points") is string n && int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) > 0, TimeSpan.FromSeconds(15), () => "the chart never got points in the dark theme");
            Assert.Equal(true, dark.ExecuteScript("return matchMedia('(prefers-color-scheme: dark)').matches;"));
            Assert.Equal("rgb(13, 17, 23)", dark.ExecuteScript("return getComputedStyle(document.body).backgroundColor;"));
            Assert.Equal("#8d96a0", dark.ExecuteScript("const axis = window.holtChart.axes[1]; return typeof axis.stroke === 'function' ? axis.stroke(window.holtChart, 1) : axis.stroke;"));
            darkBrowser.Screenshot("peer-dark");
        });

    /// <summary>A report as holt audit --json prints it, with findings no real audit of the lab's machine makes.</summary>
    private const string SeededReport = """
        {
          "time": "2026-03-14T09:26:53.589+00:00",
          "host": "seeded-host",
          "areas": [
            { "area": "sshd", "checked": true, "note": null },
            { "area": "docker", "checked": false, "note": "docker is not installed" }
          ],
          "findings": [
            {
              "id": "test.seeded:one", "severity": "critical", "area": "sshd", "title": "A seeded critical finding",
              "evidence": "first line of evidence\nsecond line <b>not bold</b>", "why": "because the test says so",
              "fix": "holt audit fix test.seeded:one", "fixable": true, "safe": false
            },
            {
              "id": "test.seeded:two", "severity": "info", "area": "sshd", "title": "A seeded note",
              "evidence": "e", "why": "w", "fix": "f", "fixable": false, "safe": false
            }
          ],
          "score": 74,
          "critical": 1,
          "warnings": 0,
          "info": 1,
          "summary": "score 74/100: 1 critical, 0 warnings, 1 info; 1 area not checked; fix the critical findings first"
        }
        """;

    [RootFact]
    public Task TheAuditPage_ShowsTheKeptReport_AndItsButtonRunsAFreshAudit() =>
        Lab.RunAsync(output, async lab =>
        {
            Harness.Gateway gateway = await Harness.Gateway.CreateAsync(lab);
            (await gateway.UpAsync()).EnsureSuccess();
            Host laptop = await lab.AddHostAsync(Implementation.WireGuardGo);
            string laptopConfig = await gateway.AddPeerAsync("laptop", "--admin");
            (await lab.WgQuickAsync(laptop, "up", await Harness.Gateway.WriteClientConfigAsync(lab, laptop, laptopConfig))).EnsureSuccess();
            await Traffic.WaitUntilReachableAsync(laptop, "10.8.0.1", "the gateway");

            // The daemon audits the machine by itself soon after it starts, and keeps the report.
            string kept = Path.Combine(gateway.StateDirectory, "audit.json");
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(kept)), TimeSpan.FromSeconds(120), () => "the daemon never kept an audit:\n" + File.ReadAllText(gateway.LogPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kept));

            // holt audit keeps exactly what it prints; an audit of one area is not a score and keeps nothing.
            CommandResult full = await gateway.RunAsync("audit", "--json");
            Assert.True(full.ExitCode is 0 or 3, full.Error);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(full.Output), System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(kept))));
            string before = File.ReadAllText(kept);
            _ = await gateway.RunAsync("audit", "--only", "sshd", "--json");
            Assert.Equal(before, File.ReadAllText(kept));

            File.WriteAllText(kept, SeededReport);
            await using Browser browser = await Browser.StartAsync(lab, laptop, "10.8.0.1");
            OpenQA.Selenium.Remote.RemoteWebDriver page = browser.Driver;
            page.Navigate().GoToUrl(Dashboard + "#/audit");
            browser.Until(d => d.FindElement(By.CssSelector("[data-test=audit-score]")).Text == "74/100", TimeSpan.FromSeconds(15), () => "the Audit page never showed the kept score");
            Assert.Equal("page", page.FindElement(By.CssSelector("header nav a[href='#/audit']")).GetAttribute("aria-current"));
            Assert.StartsWith("score 74/100: 1 critical", page.FindElement(By.CssSelector("[data-test=audit-summary]")).Text, StringComparison.Ordinal);
            var findings = page.FindElements(By.CssSelector("li[data-finding]")).Select(f => f.GetAttribute("data-finding")).ToList();
            Assert.Equal(["test.seeded:one", "test.seeded:two"], findings);
            IWebElement first = page.FindElement(By.CssSelector("li[data-finding='test.seeded:one']"));
            Assert.Contains("critical", first.Text, StringComparison.Ordinal);
            Assert.Contains("A seeded critical finding", first.Text, StringComparison.Ordinal);
            Assert.False(first.FindElement(By.CssSelector("pre")).Displayed);

            // A finding opens to its evidence (text, never markup), why it matters and its fix.
            first.FindElement(By.CssSelector("summary")).Click();
            browser.Until(d => d.FindElement(By.CssSelector("li[data-finding='test.seeded:one'] pre")).Displayed, TimeSpan.FromSeconds(5), () => "the finding never opened");
            string opened = page.FindElement(By.CssSelector("li[data-finding='test.seeded:one']")).Text;
            Assert.Contains("first line of evidence\nsecond line <b>not bold</b>", opened, StringComparison.Ordinal);
            Assert.Contains("because the test says so", opened, StringComparison.Ordinal);
            Assert.Contains("holt audit fix test.seeded:one", opened, StringComparison.Ordinal);
            Assert.Empty(page.FindElements(By.CssSelector("li[data-finding] b")));
            Assert.Equal("docker: docker is not installed", page.FindElement(By.CssSelector("li[data-area=docker]")).Text);
            browser.Screenshot("audit");
            AssertEveryControlIsNamed(page, "the audit page");

            // The button runs a fresh audit of the machine: the seeded findings go, and the page shows what was kept.
            page.FindElement(By.XPath("//button[text()='Run the audit now']")).Click();
            browser.Until(
                d => d.FindElement(By.CssSelector("[data-test=audit-message]")).Text == "Audited just now." && d.FindElements(By.CssSelector("li[data-finding^='test.seeded']")).Count == 0,
                TimeSpan.FromSeconds(60),
                () => "the button never showed a fresh audit: " + page.FindElement(By.CssSelector("[data-test=audit-message]")).Text);
            string fresh = File.ReadAllText(kept);
            Assert.DoesNotContain("test.seeded", fresh, StringComparison.Ordinal);
            using (System.Text.Json.JsonDocument report = System.Text.Json.JsonDocument.Parse(fresh))
            {
                Assert.Equal(report.RootElement.GetProperty("score").GetInt32() + "/100", page.FindElement(By.CssSelector("[data-test=audit-score]")).Text);
                Assert.Equal(report.RootElement.GetProperty("findings").GetArrayLength(), page.FindElements(By.CssSelector("li[data-finding]")).Count);
            }

            Assert.True(page.FindElement(By.XPath("//button[text()='Run the audit now']")).Enabled);
            AssertEveryControlIsNamed(page, "the audit page after a run");

            // The dark theme reaches the page too.
            await using Browser darkBrowser = await Browser.StartAsync(lab, laptop, "10.8.0.1", dark: true);
            darkBrowser.Driver.Navigate().GoToUrl(Dashboard + "#/audit");
            darkBrowser.Until(d => d.FindElement(By.CssSelector("[data-test=audit-score]")).Text.EndsWith("/100", StringComparison.Ordinal), TimeSpan.FromSeconds(15), () => "the Audit page never loaded in the dark theme");
            Assert.Equal("rgb(13, 17, 23)", darkBrowser.Driver.ExecuteScript("return getComputedStyle(document.body).backgroundColor;"));
            darkBrowser.Screenshot("audit-dark");
        });

    /// <summary>
    /// Every control a visitor can reach has a name a screen reader says: the browser's own computed label (from
    /// its text, its label element or aria-label), not a guess from the markup.
    /// </summary>
    private static void AssertEveryControlIsNamed(OpenQA.Selenium.Remote.RemoteWebDriver page, string where)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var controls = page.FindElements(By.CssSelector("button, input:not([type=hidden]), select, textarea, a[href]")).Where(c => c.Displayed).ToList();
                Assert.NotEmpty(controls);
                var unnamed = controls.Where(c => string.IsNullOrWhiteSpace(((WebElement)c).ComputedAccessibleLabel)).Select(c => c.TagName + " " + c.GetAttribute("outerHTML")).ToList();
                Assert.True(unnamed.Count == 0, $"controls without a name on {where}:\n{string.Join('\n', unnamed)}");
                return;
            }
            catch (StaleElementReferenceException) when (attempt < 10)
            {
                // A live update redrew part of the page while it was looked at: look again.
            }
        }
    }

    private static string? FirstRow(IWebDriver page) => page.FindElements(By.CssSelector("tr[data-peer]")).FirstOrDefault()?.GetAttribute("data-peer");

    /// <summary>Presses Tab until the focus is on the control whose text is <paramref name="text"/>: it can be reached without a mouse.</summary>
    private static void TabTo(OpenQA.Selenium.Remote.RemoteWebDriver page, string text)
    {
        for (int press = 0; press < 100; press++)
        {
            new OpenQA.Selenium.Interactions.Actions(page).SendKeys(Keys.Tab).Perform();
            try
            {
                if (page.SwitchTo().ActiveElement().Text == text)
                {
                    return;
                }
            }
            catch (StaleElementReferenceException)
            {
                // Redrawn between the press and the look; the next press goes on from wherever the focus is.
            }
        }

        Assert.Fail($"100 presses of Tab never reached '{text}'");
    }

    private static void Expose(OpenQA.Selenium.Remote.RemoteWebDriver page, string port, string peer, string toPort, string within)
    {
        IWebElement publicPort = page.FindElement(By.Name("public_port"));
        publicPort.Clear();
        publicPort.SendKeys(port);
        page.FindElement(By.CssSelector($"select[name=peer] option[value='{peer}']")).Click();
        IWebElement to = page.FindElement(By.Name("to_port"));
        to.Clear();
        to.SendKeys(toPort);
        page.FindElement(By.CssSelector($"select[name=confirm_timeout] option[value='{within}']")).Click();
        page.FindElement(By.XPath("//button[text()='Expose']")).Click();
    }
}

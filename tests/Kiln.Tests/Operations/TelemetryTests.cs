using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Operations;

/// <summary>
/// Tests that read Kiln's metrics, run with no other test at the same time: a metrics listener hears every Kiln in
/// the test process, and an up-down counter (open event streams) that another test's Kiln takes down while this one
/// listens would read low.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    public const string Name = "Process-wide metrics";
}

/// <summary>Health, readiness, Prometheus metrics and traces, read the way an orchestrator and a scraper read them.</summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class TelemetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Readyz_lists_each_check_and_Kiln_is_ready_on_a_fresh_start()
    {
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();

        using var response = await client.GetAsync("/readyz");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // Degraded (commands without bubblewrap) is still ready.
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["disk", "draining", "sandbox", "store"], checks.Keys.Order());
        Assert.Equal("healthy", checks["store"].GetProperty("status").GetString());
        Assert.Equal("healthy", checks["disk"].GetProperty("status").GetString());
        Assert.True(checks["disk"].GetProperty("data").GetProperty("freeBytes").GetInt64() > 0);
        Assert.Equal("healthy", checks["draining"].GetProperty("status").GetString());
        Assert.All(checks.Values, c => Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("description").GetString())));
    }

    [Fact]
    public async Task Readyz_is_503_with_the_failing_check_when_free_disk_is_below_the_threshold_and_healthz_stays_alive()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Health:MinFreeDiskBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = kiln.Client();

        using var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var disk = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "disk");
        Assert.Equal("unhealthy", disk.GetProperty("status").GetString());
        Assert.Contains("Kiln:Health:MinFreeDiskBytes", disk.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "store").GetProperty("status").GetString());

        // Alive all the same: a full disk is no reason to restart the process.
        using var alive = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("healthy", (await alive.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task With_a_token_health_is_anonymous_and_metrics_need_the_token_unless_scraped_locally()
    {
        const string token = "metrics-test-token";
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = token });
        using var anonymous = kiln.Client();
        using var authorised = kiln.Client(token);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        // A scraper on this machine needs no token.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);

        // The same request relayed by a proxy is not local.
        using var forwarded = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        forwarded.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var refused = await anonymous.SendAsync(forwarded);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        withToken.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.OK, (await authorised.SendAsync(withToken)).StatusCode);
    }

    [Fact]
    public async Task Metrics_count_an_offline_generation_its_tool_calls_events_tokens_and_subscribers()
    {
        // Kiln in a process of its own, as it runs in production: OpenTelemetry stops exporting every meter named
        // "Kiln" in a process once any one of them is disposed (opentelemetry-dotnet#6412), and other tests' in-process
        // Kilns come and go while this one runs.
        var root = TempDirectory.Create("kiln-metrics");
        try
        {
            await using var kiln = await KilnProcess.StartAsync(typeof(Program).Assembly.Location, new Dictionary<string, string>
            {
                ["Kiln:ProjectsRoot"] = root,
                ["Kiln:Agent:Offline:AppStack"] = "static",
            }, TestContext.Current.CancellationToken);
            using var client = kiln.Client();
            var before = await PrometheusText.ScrapeAsync(client);

            using var generate = await client.PostAsJsonAsync("/api/generate", new { prompt = "A counter app for push-ups" }, TestContext.Current.CancellationToken);
            generate.EnsureSuccessStatusCode();
            var projectId = (await generate.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("projectId").GetString()!;
            await using var events = await new EventSubscriber(new Uri(kiln.BaseAddress, $"/ws/{projectId}")).ConnectAsync(TestContext.Current.CancellationToken);
            await events.ReadUntilAsync(Timeout, "generation_completed");

            // The outcome is counted when its status_changed event is published, just after the status is stored, and
            // the duration just after that: scrape until they are in.
            using var deadline = new CancellationTokenSource(Timeout);
            var after = await PrometheusText.ScrapeAsync(client);
            while (after.Sum("kiln_generation_duration_seconds_count", "outcome=ready") < before.Sum("kiln_generation_duration_seconds_count", "outcome=ready") + 1
                || after.Sum("kiln_generations_total", "outcome=ready") < before.Sum("kiln_generations_total", "outcome=ready") + 1)
            {
                Assert.False(deadline.IsCancellationRequested, $"The generation's outcome was never counted. Last scrape:\n{after.Text}\nKiln's output:\n{kiln.Output}");
                await Task.Delay(100, TestContext.Current.CancellationToken);
                after = await PrometheusText.ScrapeAsync(client);
            }

            Assert.Equal(before.Sum("kiln_generations_total", "outcome=ready") + 1, after.Sum("kiln_generations_total", "outcome=ready"));
            Assert.Equal(before.Sum("kiln_generation_duration_seconds_count", "outcome=ready") + 1, after.Sum("kiln_generation_duration_seconds_count", "outcome=ready"));
            Assert.True(after.Sum("kiln_tool_calls_total", "tool=write_file", "outcome=ok") >= before.Sum("kiln_tool_calls_total", "tool=write_file", "outcome=ok") + 1);
            Assert.True(after.Sum("kiln_tool_duration_seconds_count", "tool=write_file") >= before.Sum("kiln_tool_duration_seconds_count", "tool=write_file") + 1);
            Assert.True(after.Sum("kiln_events_published_total", "type=generation_completed") >= before.Sum("kiln_events_published_total", "type=generation_completed") + 1);
            Assert.True(after.Sum("kiln_tokens_total", "direction=output") > before.Sum("kiln_tokens_total", "direction=output"));
            Assert.True(after.Sum("kiln_tokens_total", "direction=input") > before.Sum("kiln_tokens_total", "direction=input"));
            // The event stream read above is still open.
            Assert.True(after.Sum("kiln_events_subscribers", "transport=websocket") >= 1);
            Assert.True(after.Has("kiln_generations_queued"));
            Assert.True(after.Has("kiln_generations_running"));
            Assert.True(after.Has("kiln_dev_servers_running"));
            // ASP.NET Core's own request metrics come along.
            Assert.True(after.Has("http_server_request_duration_seconds_count"));
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    [Fact]
    public async Task A_generation_and_its_tool_calls_are_spans_that_carry_the_project_id()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Kiln",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var kiln = KilnApp.Start();

        var projectId = await kiln.GenerateAsync("Build a todo app for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        // The generation's span ends just after its outcome is stored.
        using var deadline = new CancellationTokenSource(Timeout);
        Activity? generation;
        while ((generation = Ours(spans, projectId).FirstOrDefault(s => s.OperationName == "kiln.generation")) is null)
        {
            await Task.Delay(20, deadline.Token);
        }

        Assert.Equal("ready", generation.GetTagItem("kiln.outcome"));
        var tools = Ours(spans, projectId).Where(s => s.OperationName.StartsWith("execute_tool ", StringComparison.Ordinal)).ToList();
        Assert.Contains(tools, s => s.OperationName == "execute_tool write_file" && (string?)s.GetTagItem("gen_ai.tool.name") == "write_file");
        // Each tool call happened inside the generation.
        Assert.All(tools, s => Assert.Equal(generation.TraceId, s.TraceId));
        Assert.All(tools, s => Assert.Equal(ActivityStatusCode.Ok, s.Status));
    }

    private static IEnumerable<Activity> Ours(IEnumerable<Activity> spans, string projectId) =>
        spans.Where(s => (string?)s.GetTagItem("kiln.project_id") == projectId);
}

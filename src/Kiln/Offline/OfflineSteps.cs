using System.Text.Json.Nodes;

namespace Kiln.Offline;

/// <summary>One tool call the offline model means to make, with what it tells the user as it does.</summary>
/// <param name="Tool">The tool's own name, without an MCP prefix.</param>
/// <param name="Input">Its input.</param>
/// <param name="Narration">The text that goes with the call.</param>
/// <param name="Essential">A Vite app cannot work when this call fails, so the model falls back to the static app.</param>
/// <param name="Retry">A write again after its file was deleted, which is never retried itself.</param>
internal sealed record PlannedCall(string Tool, JsonObject Input, string Narration, bool Essential = false, bool Retry = false);

/// <summary>The tool calls for the newest prompt, the app they build, and why the model left Vite, if it did.</summary>
internal sealed record OfflineSteps(IReadOnlyList<PlannedCall> Calls, OfflineAppPlan Plan, string? FallbackReason)
{
    public const string Scaffold = "create_vite_app";
    public const string Install = "install_dependencies";
    public const string StartServer = "start_dev_server";
    public const string Write = "write_file";
    public const string Delete = "delete_file";
    public const string CheckApp = "check_app";

    /// <summary>The tools a Vite app needs besides write_file.</summary>
    public static readonly string[] ViteTools = [Scaffold, Install, StartServer, Delete];

    /// <summary>
    /// Works out the calls for the newest prompt from the conversation alone, so every request of a generation gets
    /// the same answer. The app's stack is settled by the first prompt that got any tool call: Vite when that began
    /// with create_vite_app and nothing essential failed, static otherwise. A follow-up keeps the stack.
    /// </summary>
    /// <param name="conversation">The request, read.</param>
    /// <param name="preferVite">Vite is chosen (auto on a machine that can build it, or configured) and its tools are offered.</param>
    /// <param name="checkApp">check_app is offered: like a real model, the offline model opens the app with it before it
    /// finishes, and its summary says what the check found.</param>
    public static OfflineSteps For(OfflineConversation conversation, bool preferVite, bool checkApp)
    {
        var steps = For(conversation, preferVite);
        return checkApp
            ? steps with { Calls = [.. steps.Calls, new PlannedCall(CheckApp, new JsonObject { ["path"] = "/" }, "Opening the app in a browser with check_app, to see that it works before I finish.")] }
            : steps;
    }

    private static OfflineSteps For(OfflineConversation conversation, bool preferVite)
    {
        var prompts = conversation.Prompts;
        var current = conversation.Segments[^1];
        var earlier = conversation.Segments.Take(conversation.Segments.Count - 1).ToList();
        OfflineAppStack? app = null;
        foreach (var segment in earlier.Where(segment => segment.Calls.Count > 0))
        {
            app ??= BeganVite(segment.Calls) && !segment.Calls.Any(call => call.Failed && IsEssential(call.Name)) ? OfflineAppStack.Vite : OfflineAppStack.Static;
        }

        if (app is null && (current.Calls.Count > 0 ? BeganVite(current.Calls) : preferVite && OfflineAppPlanner.CanBuildWithVite(prompts[0])))
        {
            return NewViteApp(prompts, current.Calls);
        }

        if (app is null or OfflineAppStack.Static)
        {
            var plan = OfflineAppPlanner.Plan(prompts);
            return new OfflineSteps(WithRetries(StaticCalls(plan, prompts.Count == 1), current.Calls), plan, null);
        }

        return ViteFollowUp(prompts, earlier.SelectMany(segment => segment.Calls).ToList(), current.Calls);
    }

    /// <summary>
    /// A write that write_file refused because it would cut an existing file short (its guard against lost work) is
    /// done as the refusal says: delete_file, then write_file again. The files here are whole, never a part.
    /// </summary>
    private static List<PlannedCall> WithRetries(List<PlannedCall> calls, IReadOnlyList<ToolCallRecord> done)
    {
        for (var i = 0; i < done.Count && i < calls.Count; i++)
        {
            if (calls[i] is { Tool: Write, Retry: false } write && done[i] is { Name: Write, Failed: true } refused
                && refused.Result.Contains(Delete, StringComparison.Ordinal) && write.Input["path"]?.GetValue<string>() is { } path)
            {
                calls.InsertRange(i + 1,
                [
                    new PlannedCall(Delete, new JsonObject { ["path"] = path }, $"write_file kept {path} because the new one is much shorter; it is a whole new file, so I'll delete the old one first."),
                    write with { Narration = $"Now {path} again.", Retry = true },
                ]);
            }
        }

        return calls;
    }

    private static bool BeganVite(IReadOnlyList<ToolCallRecord> calls) => calls.Count > 0 && calls[0].Name == Scaffold;

    public static bool IsEssential(string tool) => tool is Scaffold or Install or StartServer;

    private static List<PlannedCall> StaticCalls(OfflineAppPlan plan, bool first)
    {
        var files = string.Join(", ", plan.Files.Select(f => f.Path));
        return plan.Files.Select((file, step) => WriteCall(file, step > 0
                ? $"Now {file.Path}."
                : first
                    ? $"I'll build **{plan.Title}** as a static single-page app: {files}. Starting with {file.Path}."
                    : $"I'll update **{plan.Title}** for your request, rewriting {files}."))
            .ToList();
    }

    /// <summary>Scaffold, install, write the React files, start the dev server; if an essential step fails, the static app instead.</summary>
    private static OfflineSteps NewViteApp(IReadOnlyList<string> prompts, IReadOnlyList<ToolCallRecord> done)
    {
        var plan = OfflineAppPlanner.Plan(prompts, OfflineAppStack.Vite);
        var files = string.Join(", ", plan.Files.Where(f => f.Path.StartsWith("src/", StringComparison.Ordinal)).Select(f => f.Path[4..]));
        List<PlannedCall> calls =
        [
            new(Scaffold, new JsonObject { ["template"] = "react-ts" },
                $"I'll build **{plan.Title}** with Vite, React and TypeScript: scaffold Vite's react-ts template, install its packages, " +
                $"write the app (index.html and src/: {files}), then start the dev server.", Essential: true),
            new(Install, [], "Installing its packages.", Essential: true),
            .. plan.Files.Select(file => WriteCall(file, $"Now {file.Path}.")),
            new(StartServer, [], "Starting the dev server.", Essential: true),
        ];
        calls = WithRetries(calls, done);

        for (var i = 0; i < done.Count && i < calls.Count; i++)
        {
            if (calls[i].Essential && done[i].Failed)
            {
                var reason = $"{done[i].Name} failed";
                var fallback = Fallback(prompts, done.Take(i + 1).ToList(), reason);
                return new OfflineSteps([.. calls.Take(i + 1), .. fallback.Calls], fallback.Plan, reason);
            }
        }

        return new OfflineSteps(calls, plan, null);
    }

    /// <summary>Removes what the Vite attempt left (so the preview serves the static files), then writes the static app.</summary>
    private static OfflineSteps Fallback(IReadOnlyList<string> prompts, List<ToolCallRecord> done, string reason)
    {
        var plan = OfflineAppPlanner.Plan(prompts);
        var leftovers = done.Where(call => call is { Name: Scaffold, Failed: false }).SelectMany(call => ScaffoldedFiles(call.Result))
            .Concat(done.Where(call => call is { Name: Write, Failed: false }).Select(call => call.Path).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var directories = leftovers
            .SelectMany(Parents)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(directory => directory.Count(c => c == '/'))
            .ThenBy(directory => directory, StringComparer.Ordinal);
        var files = string.Join(", ", plan.Files.Select(f => f.Path));
        var intro = $"{char.ToUpperInvariant(reason[0])}{reason[1..]}, so I'll build **{plan.Title}** as a static single-page app instead: {files}.";
        List<PlannedCall> calls =
        [
            .. leftovers.Concat(directories).Select(path => new PlannedCall(Delete, new JsonObject { ["path"] = path }, $"Removing {path}.")),
            .. plan.Files.Select(file => WriteCall(file, $"Now {file.Path}.")),
            new(StartServer, [], "Checking the preview."),
        ];
        calls[0] = calls[0] with
        {
            Narration = leftovers.Count > 0 ? $"{intro} First I'll remove what the Vite attempt left. {calls[0].Narration}" : $"{intro} Starting with {plan.Files[0].Path}.",
        };
        return new OfflineSteps(calls, plan, reason);
    }

    /// <summary>Writes the files that differ from what was last written, removes components no longer used, and checks the dev server.</summary>
    private static OfflineSteps ViteFollowUp(IReadOnlyList<string> prompts, List<ToolCallRecord> history, IReadOnlyList<ToolCallRecord> done)
    {
        var plan = OfflineAppPlanner.Plan(prompts, OfflineAppStack.Vite);
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var call in history.Where(call => !call.Failed && call.Path is not null))
        {
            if (call.Name == Write && call.Content is { } content)
            {
                written[call.Path!] = content;
            }
            else if (call.Name == Delete)
            {
                written.Remove(call.Path!);
            }
        }

        var changed = plan.Files.Where(file => !written.TryGetValue(file.Path, out var old) || old != file.Content).ToList();
        var unused = written.Keys.Where(path => plan.Files.All(file => file.Path != path)).Order(StringComparer.Ordinal).ToList();
        var installed = history.Any(call => call is { Name: Install, Failed: false });
        List<PlannedCall> calls =
        [
            .. installed ? [] : new[] { new PlannedCall(Install, [], "Installing its packages first.") },
            .. changed.Select(file => WriteCall(file, $"Now {file.Path}.")),
            .. unused.Select(path => new PlannedCall(Delete, new JsonObject { ["path"] = path }, $"Removing {path}, which the app no longer uses.")),
            new(StartServer, [], "Checking the dev server, which shows the changes as they land."),
        ];
        var what = changed.Count + unused.Count == 0
            ? "Nothing in the code changes for that, so I'll just check the dev server."
            : $"I'll update **{plan.Title}** for your request, changing {string.Join(", ", changed.Select(f => f.Path).Concat(unused))}.";
        calls[0] = calls[0] with { Narration = $"{what} {calls[0].Narration}" };
        return new OfflineSteps(WithRetries(calls, done), plan, null);
    }

    private static PlannedCall WriteCall(OfflinePlannedFile file, string narration) =>
        new(Write, new JsonObject { ["path"] = file.Path, ["content"] = file.Content }, narration);

    /// <summary>The files create_vite_app listed in its result: the lines after "N files:", up to its closing lines.</summary>
    private static IEnumerable<string> ScaffoldedFiles(string result)
    {
        var listing = false;
        foreach (var line in result.Split('\n'))
        {
            if (!listing)
            {
                listing = line.TrimEnd().EndsWith("files:", StringComparison.Ordinal);
                continue;
            }

            var path = line.Trim();
            if (path.Length == 0 || path.StartsWith('…') || path.StartsWith("Next:", StringComparison.Ordinal) || path.Contains(' ', StringComparison.Ordinal))
            {
                yield break;
            }

            if (!path.StartsWith('/') && !path.Split('/').Contains(".."))
            {
                yield return path;
            }
        }
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }
}

using System.Diagnostics;
using Kiln.Sandbox;
using Kiln.Testing;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// Commands a hostile or confused model might send, run through every layer the way run_command
/// will: split, policy, sandboxed runner. Each test asserts the refusal or containment, and that
/// nothing beside the project directory changed. Where a layer refuses, some tests also run the
/// command straight through the runner, to show the next layer contains it on its own.
/// </summary>
public sealed class SandboxEscapeTests : IAsyncLifetime
{
    private readonly AppWorkspace _workspace = new();
    private readonly CommandPolicy _policy = Sandboxes.Policy();
    private readonly SandboxedProcessRunner _runner = Sandboxes.Runner();

    public async ValueTask InitializeAsync()
    {
        _workspace.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");
        _workspace.Write("src/App.tsx", "export {}");
        await _runner.RequireBubblewrapAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync();
        _workspace.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What run_command will do: split, evaluate, and run only what the policy allows.</summary>
    private async Task<(PolicyDecision Decision, ProcessResult? Result)> AttemptAsync(string command, string? workingDirectory = null)
    {
        var parse = CommandLine.Split(command);
        if (!parse.Succeeded)
        {
            return (PolicyDecision.Refuse(parse.Error!), null);
        }

        var decision = _policy.Evaluate(parse.Argv!, _workspace.App, workingDirectory ?? _workspace.App);
        if (!decision.Allowed)
        {
            return (decision, null);
        }

        return (decision, await _runner.RunAsync(Sandboxes.Spec(_workspace, [.. parse.Argv!]), null, Ct));
    }

    private async Task AssertRefusedAsync(string command, string because)
    {
        var (decision, result) = await AttemptAsync(command);
        Assert.False(decision.Allowed, $"'{command}' was allowed");
        Assert.Contains(because, decision.Reason);
        Assert.Null(result);
    }

    /// <summary>Runs an argv straight through the runner, as if the policy had missed it.</summary>
    private Task<ProcessResult> RunUnvettedAsync(params string[] argv) =>
        _runner.RunAsync(Sandboxes.Spec(_workspace, argv), null, Ct);

    [Fact]
    public async Task Parent_directory_traversal_is_refused()
    {
        await AssertRefusedAsync("cat ../sentinel.txt", "'..' is not allowed");
        await AssertRefusedAsync("ls ..", "'..' is not allowed");
        await AssertRefusedAsync("cp ../sentinel.txt stolen.txt", "'..' is not allowed");
        await AssertRefusedAsync("rm ../sentinel.txt", "'..' is not allowed");
        await AssertRefusedAsync("touch src/../../planted", "'..' is not allowed");

        Assert.False(File.Exists(_workspace.InApp("stolen.txt")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Percent_encoded_traversal_is_a_literal_name_inside_the_project()
    {
        var (read, readResult) = await AttemptAsync("cat %2e%2e/sentinel.txt");
        var (create, _) = await AttemptAsync("mkdir -p %2e%2e/%2E%2E");

        Assert.True(read.Allowed);
        Assert.NotEqual(0, readResult!.ExitCode);
        Assert.DoesNotContain(AppWorkspace.SentinelText, readResult.Output);
        Assert.True(create.Allowed);
        Assert.True(Directory.Exists(_workspace.InApp("%2e%2e/%2E%2E")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Unicode_lookalike_dots_are_literal_names_inside_the_project()
    {
        // Fullwidth full stops and a two-dot leader look like '..' but are ordinary names.
        var (first, _) = await AttemptAsync("mkdir -p ．．/‥");
        var (second, result) = await AttemptAsync("touch ．．/‥/sentinel.txt");

        Assert.True(first.Allowed && second.Allowed);
        Assert.Equal(0, result!.ExitCode);
        Assert.True(File.Exists(_workspace.InApp("．．/‥/sentinel.txt")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Absolute_paths_outside_the_project_are_refused()
    {
        await AssertRefusedAsync("cat /etc/passwd", "outside the project");
        await AssertRefusedAsync("ls /", "outside the project");
        await AssertRefusedAsync("cp package.json /tmp/kiln-escape", "outside the project");
        await AssertRefusedAsync($"touch {_workspace.Root}/planted", "outside the project");
        await AssertRefusedAsync($"rm -f {_workspace.Sentinel}", "outside the project");

        var (inside, result) = await AttemptAsync($"cat {_workspace.InApp("package.json")}");
        Assert.True(inside.Allowed);
        Assert.Equal(0, result!.ExitCode);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Symlink_to_the_filesystem_root_cannot_be_followed()
    {
        File.CreateSymbolicLink(_workspace.InApp("x"), "/");

        await AssertRefusedAsync("cat x/etc/passwd", "symbolic link");
        await AssertRefusedAsync("ls x/", "symbolic link");
        await AssertRefusedAsync("cp x/etc/hostname stolen", "symbolic link");
        await AssertRefusedAsync("find x/ -name passwd", "symbolic link");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Symlink_to_a_file_outside_is_neither_read_nor_written_through()
    {
        File.CreateSymbolicLink(_workspace.InApp("out"), _workspace.Sentinel);

        await AssertRefusedAsync("cat out", "symbolic link");
        await AssertRefusedAsync("cp package.json out", "symbolic link");
        await AssertRefusedAsync("touch out", "symbolic link");

        // Even unvetted, the link dangles inside the sandbox: the sentinel's directory is on its private /tmp.
        await RunUnvettedAsync("cp", "package.json", "out");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Symlinked_directory_pointing_to_the_parent_is_refused()
    {
        File.CreateSymbolicLink(_workspace.InApp("up"), "..");

        await AssertRefusedAsync("cat up/sentinel.txt", "symbolic link");
        await AssertRefusedAsync("rm -rf up/", "symbolic link");
        await AssertRefusedAsync("ls up", "symbolic link");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Hard_link_to_an_outside_file_is_never_written_in_place()
    {
        // Planted from outside the sandbox (inside it, link(2) across the bind mount fails).
        Assert.Equal(0, Process.Start("ln", [_workspace.Sentinel, _workspace.InApp("hl")]).WaitForExitAndCode());

        await AssertRefusedAsync("cp package.json hl", "hard link");
        await AssertRefusedAsync("touch hl", "hard link");
        Directory.CreateDirectory(_workspace.InApp("copy"));
        File.Move(_workspace.InApp("hl"), _workspace.InApp("copy/package.json"));
        await AssertRefusedAsync("cp package.json copy", "hard link");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Hard_link_to_a_system_file_cannot_be_created_inside_the_sandbox()
    {
        var result = await RunUnvettedAsync("ln", "/etc/passwd", "passwd");

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(File.Exists(_workspace.InApp("passwd")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Rm_rf_slash_is_refused()
    {
        await AssertRefusedAsync("rm -rf /", "outside the project");
        await AssertRefusedAsync("rm -rf /*", "outside the project");
        await AssertRefusedAsync("rm -rf --no-preserve-root /", "outside the project");
        Assert.True(File.Exists(_workspace.InApp("package.json")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Rm_rf_parent_is_refused_and_the_sandbox_contains_it_anyway()
    {
        await AssertRefusedAsync("rm -rf ..", "'..' is not allowed");

        // Unvetted, rm sees only the sandbox's view: the parent is on a private tmpfs.
        await RunUnvettedAsync("rm", "-rf", "..");

        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Rm_rf_dot_never_removes_the_project_root()
    {
        await AssertRefusedAsync("rm -rf .", "project root");
        await AssertRefusedAsync("rm -rf ./", "project root");
        await AssertRefusedAsync("rm -rf ''", "project root");
        await AssertRefusedAsync($"rm -rf {_workspace.App}", "project root");
        await AssertRefusedAsync("mv . elsewhere", "project root");

        Assert.True(File.Exists(_workspace.InApp("src/App.tsx")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Version_history_is_out_of_reach()
    {
        _workspace.Write(".git/HEAD", "ref: refs/heads/main\n");

        await AssertRefusedAsync("rm -rf .git", ".git");
        await AssertRefusedAsync("mv .git old", ".git");
        await AssertRefusedAsync("cp package.json .git/hooks/pre-commit", ".git");

        // A project script cannot remove it either when the runner mounts it read-only.
        var spec = Sandboxes.Spec(_workspace, "rm", "-rf", ".git") with { ReadOnlyDirectories = [_workspace.InApp(".git")] };
        var result = await _runner.RunAsync(spec, null, Ct);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(File.Exists(_workspace.InApp(".git/HEAD")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Shell_operators_are_refused_before_anything_runs()
    {
        foreach (var command in new[]
                 {
                     "touch a; touch b", "touch a && touch b", "touch a || touch b", "touch a | touch b", "touch a & touch b",
                     "touch $(echo b)", "touch `echo b`", "touch ${HOME}", "echo x > ../sentinel.txt", "echo x >> ../sentinel.txt",
                     "cat < ../sentinel.txt", "touch a\ntouch b",
                 })
        {
            var (decision, result) = await AttemptAsync(command);
            Assert.False(decision.Allowed, command);
            Assert.StartsWith("run one command at a time", decision.Reason);
            Assert.Null(result);
        }

        Assert.False(File.Exists(_workspace.InApp("a")) || File.Exists(_workspace.InApp("b")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Shells_are_refused()
    {
        await AssertRefusedAsync("sh -c 'touch a'", "is a shell");
        await AssertRefusedAsync("bash", "is a shell");
        await AssertRefusedAsync("bash -c 'rm -rf ..'", "is a shell");
        await AssertRefusedAsync("zsh -c id", "is a shell");
        await AssertRefusedAsync("busybox sh", "is a shell");
        await AssertRefusedAsync("pnpm exec sh -c 'touch a'", "is a shell");
        await AssertRefusedAsync("env sh", "starts other programs");
        Assert.False(File.Exists(_workspace.InApp("a")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Inline_code_is_refused()
    {
        _workspace.Write("index.js", "");
        await AssertRefusedAsync("node -e \"require('fs').writeFileSync('../sentinel.txt', 'owned')\"", "not a file in the project");
        await AssertRefusedAsync("node --eval=1", "not a file in the project");
        await AssertRefusedAsync("node -p process.env", "not a file in the project");
        await AssertRefusedAsync("node -pe 1", "not a file in the project");
        await AssertRefusedAsync("node -r ./index.js index.js", "not a file in the project");
        await AssertRefusedAsync("node --import=data:text/javascript,1 index.js", "not a file in the project");
        await AssertRefusedAsync("python3 -c 'open(\"../sentinel.txt\",\"w\")'", "not an allowed program");
        await AssertRefusedAsync("perl -e 1", "not an allowed program");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Npx_of_an_unlisted_package_is_refused()
    {
        await AssertRefusedAsync("npx cowsay hello", "may only run these packages");
        await AssertRefusedAsync("npx --yes evil@latest", "may only run these packages");
        await AssertRefusedAsync("npx -p evil create-vite", "may only run these packages");
        await AssertRefusedAsync("pnpm dlx evil", "may only run these packages");
        await AssertRefusedAsync("yarn dlx evil", "may only run these packages");
        await AssertRefusedAsync("npm exec -- evil", "may only run these packages");
        await AssertRefusedAsync("pnpm create evil", "may only run these packages");
        await AssertRefusedAsync("npm create vite/../../evil", "may only run these packages");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Package_script_cannot_write_outside_the_project()
    {
        Requires.Node();
        var systemTarget = "/usr/kiln-escape-" + Guid.NewGuid().ToString("N");
        _workspace.Write("package.json", """{ "name": "app", "version": "1.0.0", "scripts": { "x": "node escape.js" } }""");
        _workspace.Write("escape.js", $$"""
            const fs = require('fs');
            for (const target of [{{Js(_workspace.Sentinel)}}, {{Js(systemTarget)}}, '/etc/kiln-escape', {{Js(_workspace.Root + "/planted")}}]) {
              try { fs.writeFileSync(target, 'owned'); console.log('wrote ' + target); }
              catch (e) { console.log('blocked ' + target + ': ' + e.code); }
            }
            """);

        var (decision, result) = await AttemptAsync("npm run x");

        Assert.True(decision.Allowed, decision.Reason);
        Assert.Equal(0, result!.ExitCode);
        Assert.Contains($"blocked {systemTarget}: EROFS", result.Output);
        Assert.Contains("blocked /etc/kiln-escape: EROFS", result.Output);
        Assert.False(File.Exists(systemTarget));
        Assert.False(File.Exists("/etc/kiln-escape"));
        // The sentinel's directory is on the sandbox's private /tmp: the write succeeds there and vanishes.
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Secrets_never_reach_a_sandboxed_process()
    {
        Requires.Node();
        const string apiKey = "sk-ant-api03-kiln-test-secret";
        Environment.SetEnvironmentVariable("ANTHROPIC_API_KEY", apiKey);
        Environment.SetEnvironmentVariable("Kiln__Agents__ApiKey", apiKey);
        _workspace.Write("leak.js", $$"""
            const fs = require('fs');
            console.log(JSON.stringify(process.env));
            for (const f of ['/proc/self/environ', '/proc/1/environ', '/proc/{{Environment.ProcessId}}/environ']) {
              try { console.log(fs.readFileSync(f, 'latin1').replace(/\0/g, '\n')); } catch (e) { console.log(f + ': ' + e.code); }
            }
            """);

        var (decision, result) = await AttemptAsync("node leak.js");
        await AssertRefusedAsync("cat /proc/self/environ", "outside the project");
        var unvetted = await RunUnvettedAsync("cat", "/proc/self/environ");

        Assert.True(decision.Allowed, decision.Reason);
        Assert.Equal(0, result!.ExitCode);
        Assert.Contains("PATH", result.Output);
        Assert.DoesNotContain(apiKey, result.Output);
        Assert.DoesNotContain("ANTHROPIC", result.Output);
        Assert.DoesNotContain(apiKey, unvetted.Output);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Very_long_argument_lists_are_refused()
    {
        var names = Enumerable.Range(0, 10_000).Select(i => $"f{i}").ToArray();

        await AssertRefusedAsync("touch " + string.Join(' ', names), "smaller commands");
        var decision = _policy.Evaluate(["touch", .. names], _workspace.App, _workspace.App);
        var longName = _policy.Evaluate(["touch", new string('a', 20_000)], _workspace.App, _workspace.App);

        Assert.Contains("too long", decision.Reason);
        Assert.Contains("too long", longName.Reason);
        Assert.Empty(Directory.EnumerateFiles(_workspace.App, "f*"));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task File_names_with_control_characters_are_refused()
    {
        await AssertRefusedAsync("touch 'evil\u001b[2Jname'", "control character");
        await AssertRefusedAsync("touch \"bell\u0007\"", "control character");
        var newline = _policy.Evaluate(["touch", "a\nb"], _workspace.App, _workspace.App);
        var carriage = _policy.Evaluate(["touch", "a\rb"], _workspace.App, _workspace.App);

        Assert.Contains("control character", newline.Reason);
        Assert.Contains("control character", carriage.Reason);
        Assert.Equal(["package.json"], Directory.EnumerateFiles(_workspace.App).Select(Path.GetFileName));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Command_waiting_on_stdin_ends_at_once()
    {
        Requires.Node();
        _workspace.Write("read.js", "let n = 0; process.stdin.on('data', d => n += d.length).on('end', () => console.log('eof after ' + n));");
        var clock = Stopwatch.StartNew();

        var (catDecision, cat) = await AttemptAsync("cat");
        var (nodeDecision, node) = await AttemptAsync("node read.js");

        Assert.True(catDecision.Allowed && nodeDecision.Allowed);
        Assert.Equal(0, cat!.ExitCode);
        Assert.False(cat.TimedOut || node!.TimedOut);
        Assert.Equal("eof after 0\n", node.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Working_directory_outside_the_project_is_refused()
    {
        var (decision, result) = await AttemptAsync("touch planted", _workspace.Root);

        Assert.False(decision.Allowed);
        Assert.Contains("outside the project", decision.Reason);
        Assert.Null(result);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Git_history_cannot_be_rewritten_or_reconfigured()
    {
        await AssertRefusedAsync("git commit -am x", "changes the repository");
        await AssertRefusedAsync("git reset --hard HEAD~1", "changes the repository");
        await AssertRefusedAsync("git push origin main", "changes the repository");
        await AssertRefusedAsync("git checkout -- .", "changes the repository");
        await AssertRefusedAsync("git config core.pager 'touch ../x'", "changes the repository");
        await AssertRefusedAsync("git -c core.pager=id log", "not allowed before the sub-command");
        await AssertRefusedAsync("git --work-tree=.. status", "not allowed before the sub-command");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Find_cannot_run_programs_or_delete()
    {
        await AssertRefusedAsync("find . -exec touch planted \\;", "runs other programs");
        await AssertRefusedAsync("find . -execdir rm {} +", "runs other programs");
        await AssertRefusedAsync("find . -delete", "-delete");
        await AssertRefusedAsync("find . -fprint ../list", "writes files");
        Assert.True(File.Exists(_workspace.InApp("src/App.tsx")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task System_directories_are_read_only_inside_the_sandbox()
    {
        var name = "kiln-escape-" + Guid.NewGuid().ToString("N");

        var usr = await RunUnvettedAsync("touch", $"/usr/{name}");
        var etc = await RunUnvettedAsync("mkdir", $"/etc/{name}");
        var root = await RunUnvettedAsync("touch", $"/{name}");

        Assert.All([usr, etc, root], r => Assert.Contains("Read-only file system", r.Output));
        Assert.False(File.Exists($"/usr/{name}") || Directory.Exists($"/etc/{name}") || File.Exists($"/{name}"));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Hidden_paths_inside_a_visible_directory_are_empty_inside_the_sandbox()
    {
        var secrets = Directory.CreateDirectory(Path.Join(_workspace.Root, "secrets")).FullName;
        File.WriteAllText(Path.Join(secrets, "key"), "sk-ant-hidden");
        await using var runner = Sandboxes.Runner(configure: o =>
        {
            o.SystemDirectories = [.. SandboxOptions.DefaultSystemDirectories, _workspace.Root];
            o.HiddenPaths = [secrets, "/etc/shadow"];
        });

        var listing = await runner.RunAsync(Sandboxes.Spec(_workspace, "ls", "-A", secrets), null, Ct);
        var shadow = await runner.RunAsync(Sandboxes.Spec(_workspace, "cat", "/etc/shadow"), null, Ct);

        Assert.Equal(0, listing.ExitCode);
        Assert.Equal("", listing.Output);
        // Masked with /dev/null on a nodev mount: unreadable, whatever the host file holds.
        Assert.NotEqual(0, shadow.ExitCode);
        Assert.DoesNotContain("root:", shadow.Output);
        Assert.Equal("sk-ant-hidden", File.ReadAllText(Path.Join(secrets, "key")));
    }

    [Fact]
    public async Task Project_under_a_hidden_directory_stays_writable_while_its_neighbours_vanish()
    {
        await using var runner = Sandboxes.Runner(configure: o => o.HiddenPaths = [_workspace.Root]);

        var write = await runner.RunAsync(Sandboxes.Spec(_workspace, "touch", "made-inside"), null, Ct);
        var neighbour = await runner.RunAsync(Sandboxes.Spec(_workspace, "ls", "-A", _workspace.Root), null, Ct);

        Assert.Equal(0, write.ExitCode);
        Assert.True(File.Exists(_workspace.InApp("made-inside")));
        Assert.Equal("app\n", neighbour.Output);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Other_processes_are_invisible_inside_the_sandbox()
    {
        var result = await RunUnvettedAsync("ls", "/proc");

        var pids = result.Output.Split('\n').Where(l => l.Length > 0 && l.All(char.IsAsciiDigit)).ToList();
        // bwrap's init, and ls itself: nothing of Kiln or of other projects.
        Assert.InRange(pids.Count, 1, 3);
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), pids);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Ipc_and_uts_namespaces_are_the_sandboxs_own()
    {
        var namespaces = await RunUnvettedAsync("readlink", "/proc/self/ns/ipc", "/proc/self/ns/uts");
        var hostname = await RunUnvettedAsync("cat", "/proc/sys/kernel/hostname");

        Assert.Equal(0, namespaces.ExitCode);
        var inside = namespaces.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, inside.Length);
        Assert.StartsWith("ipc:[", inside[0], StringComparison.Ordinal);
        Assert.StartsWith("uts:[", inside[1], StringComparison.Ordinal);
        // Kiln's own namespaces, as this process sees them: a command can reach neither Kiln's shared memory nor its hostname.
        Assert.NotEqual(new FileInfo("/proc/self/ns/ipc").LinkTarget, inside[0]);
        Assert.NotEqual(new FileInfo("/proc/self/ns/uts").LinkTarget, inside[1]);
        Assert.Equal("kiln-sandbox\n", hostname.Output);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_command_runs_in_a_new_session_without_a_controlling_terminal()
    {
        var result = await RunUnvettedAsync("cat", "/proc/self/stat");

        Assert.Equal(0, result.ExitCode);
        // "pid (comm) state ppid pgrp session tty_nr ...": read after the last ')', since comm may hold anything.
        var stat = result.Output.TrimEnd('\n');
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // bwrap --new-session: the session is led by the sandbox's own init (pid 1 in its namespace). Kiln's session
        // would read 0 here, its leader being outside the namespace; so would any session a terminal belongs to.
        Assert.Equal("1", fields[3]);
        Assert.Equal("0", fields[4]);
        _workspace.AssertOutsideUntouched();
    }

    private static string Js(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}

internal static class ProcessExtensions
{
    public static int WaitForExitAndCode(this Process? process)
    {
        ArgumentNullException.ThrowIfNull(process);
        using (process)
        {
            process.WaitForExit();
            return process.ExitCode;
        }
    }
}

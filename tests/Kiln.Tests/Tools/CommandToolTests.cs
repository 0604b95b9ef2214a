using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;

namespace Kiln.Tests.Tools;

/// <summary>
/// run_command and build_project reached as the agent reaches them, through the MCP server: what runs, what is
/// refused (with the policy's sentence), and, for every attempt to get out, that nothing beside the app changed.
/// </summary>
public sealed class CommandToolTests : IAsyncLifetime
{
    private const string FakeApiKey = "sk-ant-api03-kiln-tool-test-secret";
    private const string FakeAuthToken = "kiln-tool-test-auth-token";

    private readonly string _hostMarker = Path.Combine(Path.GetTempPath(), $"kiln-escape-{Guid.NewGuid():N}");
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync()
    {
        _tools = await ToolHarness.StartAsync(new Dictionary<string, string?>
        {
            // Secrets on Kiln's side, as configuration: no command may ever see them.
            ["Anthropic:ApiKey"] = FakeApiKey,
            ["Kiln:Auth:Token"] = FakeAuthToken,
        });
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");
        _tools.Write("src/main.js", "console.log('hello from main');\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _tools.DisposeAsync();
        File.Delete(_hostMarker);
    }

    private async Task RequireAsync()
    {
        await _tools.Services.RequireBubblewrapAsync();
        Requires.Node();
    }

    private Task<(bool IsError, string Text)> RunAsync(string command, string? cwd = null, int? timeoutSeconds = null) =>
        _tools.CallAsync("run_command", new { command, cwd, timeout_seconds = timeoutSeconds });

    /// <summary>The call was refused before anything ran, with the reason, and nothing beside the app changed.</summary>
    private async Task AssertRefusedAsync(string command, string because, string? cwd = null)
    {
        var before = AppSnapshot();
        var (isError, text) = await RunAsync(command, cwd);

        Assert.True(isError, $"'{command}' ran: {text}");
        Assert.StartsWith("Refused: ", text, StringComparison.Ordinal);
        Assert.Contains(because, text, StringComparison.Ordinal);
        Assert.Equal(before, AppSnapshot());
        AssertNothingOutsideChanged();
    }

    private void AssertNothingOutsideChanged()
    {
        _tools.AssertOutsideUntouched();
        Assert.False(File.Exists(_hostMarker), $"{_hostMarker} was created on the host");
    }

    // Links are listed, not followed: a test plants some that lead to '/'.
    private List<string> AppSnapshot() =>
        Kiln.Projects.AppFileTree.Walk(_tools.AppDirectory)
            .Select(entry => $"{Path.GetRelativePath(_tools.AppDirectory, entry.FullName)}:{(entry is FileInfo { LinkTarget: null } file ? file.Length : -1)}")
            .ToList();

    private string Outside(string name) => Path.Combine(_tools.Outside, name);

    private static string Js(string value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task A_command_returns_its_exit_code_duration_output_and_streams_it_as_events()
    {
        await RequireAsync();

        var result = await _tools.CallForResultAsync("run_command", new { command = "node src/main.js" });
        var text = Kiln.Tools.ProjectToolset.TextOf(result);

        Assert.False(result.IsError, text);
        Assert.Contains("Command: node src/main.js\nExit code: 0\nDuration: ", text, StringComparison.Ordinal);
        Assert.Contains("Killed: no", text, StringComparison.Ordinal);
        Assert.EndsWith("Output:\nhello from main\n", text, StringComparison.Ordinal);
        var outcome = result.StructuredContent!.Value;
        Assert.Equal(0, outcome.GetProperty("exitCode").GetInt32());
        Assert.False(outcome.GetProperty("killed").GetBoolean());
        Assert.True(outcome.GetProperty("durationMs").GetInt64() >= 0);
        var events = await _tools.EventsAsync();
        var output = Assert.Single(events, e => e.Type == "command_output");
        Assert.Equal("node src/main.js", output.Data.GetProperty("command").GetString());
        Assert.Equal("hello from main\n", output.Data.GetProperty("text").GetString());
        Assert.Equal("command_output", events[^2].Type);
        Assert.Equal("tool_executed", events[^1].Type);
        Assert.True(events[^1].Data.GetProperty("ok").GetBoolean());
        Assert.Equal("command=node src/main.js", events[^1].Data.GetProperty("input").GetString());
    }

    [Fact]
    public async Task A_failing_command_is_an_error_result_with_its_exit_code_and_output()
    {
        await RequireAsync();

        var (isError, text) = await RunAsync("ls no-such-file", cwd: "src");

        Assert.True(isError);
        Assert.Contains("Exit code: 2", text, StringComparison.Ordinal);
        Assert.Contains("no-such-file", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo hi; touch ../outside/pwned", "';'")]
    [InlineData("touch a && touch ../outside/pwned", "'&&'")]
    [InlineData("touch a || touch b", "'||'")]
    [InlineData("cat package.json | tee ../outside/pwned", "'|'")]
    [InlineData("echo pwned > ../outside/pwned", "'>'")]
    [InlineData("echo pwned >> package.json", "'>>'")]
    [InlineData("cat < ../outside/secret.txt", "'<'")]
    [InlineData("echo $(touch ../outside/pwned)", "$(")]
    [InlineData("echo `touch pwned`", "backtick")]
    [InlineData("touch a & touch b", "'&'")]
    [InlineData("touch a\ntouch b", "newline")]
    [InlineData("echo ${HOME}", "${")]
    [InlineData("HOME=/tmp touch a", "environment assignments")]
    public async Task Shell_operators_are_refused_not_interpreted(string command, string because)
    {
        await AssertRefusedAsync(command, because);
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "a")));
    }

    [Theory]
    [InlineData("sh -c 'touch ../outside/pwned'", "is a shell")]
    [InlineData("bash -c id", "is a shell")]
    [InlineData("/bin/sh -c id", "not by path")]
    [InlineData("env touch a", "bypass the allowlist")]
    [InlineData("xargs touch", "bypass the allowlist")]
    [InlineData("node -e \"require('fs').writeFileSync('../outside/pwned', 'x')\"", "node -e runs code")]
    [InlineData("node --eval 1", "runs code that is not a file")]
    [InlineData("node -p process.env", "runs code that is not a file")]
    [InlineData("node --require ./x.js src/main.js", "runs code that is not a file")]
    [InlineData("python3 -c 'print(1)'", "not an allowed program")]
    [InlineData("sed -i s/a/b/ package.json", "use the file tools")]
    [InlineData("curl https://example.com", "not an allowed program")]
    public async Task Shells_wrappers_and_inline_code_are_refused(string command, string because) =>
        await AssertRefusedAsync(command, because);

    [Theory]
    [InlineData("npx cowsay hi")]
    [InlineData("npx --package=cowsay cowsay hi")]
    [InlineData("pnpm dlx left-pad")]
    [InlineData("npm exec evil-package")]
    [InlineData("pnpm create evil-app")]
    public async Task Npx_of_an_unlisted_package_is_refused(string command) =>
        await AssertRefusedAsync(command, "is not one of them");

    [Theory]
    [InlineData("rm -rf /", "outside the project")]
    [InlineData("rm -rf ..", "'..' is not allowed")]
    [InlineData("rm -rf ../outside", "'..' is not allowed")]
    [InlineData("rm -rf src/../..", "'..' is not allowed")]
    [InlineData("rm -rf .", "the project root")]
    [InlineData("rm -rf ~", "'~' is not expanded")]
    [InlineData("rm -rf /tmp", "outside the project")]
    [InlineData("cat /etc/passwd", "outside the project")]
    [InlineData("cat ../outside/secret.txt", "'..' is not allowed")]
    [InlineData("cp ../outside/secret.txt stolen.txt", "'..' is not allowed")]
    [InlineData("cat /proc/self/environ", "outside the project")]
    [InlineData("ls /", "outside the project")]
    [InlineData("git -C .. status", "'..' is not allowed")]
    public async Task Paths_outside_the_app_are_refused(string command, string because) =>
        await AssertRefusedAsync(command, because);

    [Theory]
    [InlineData("..")]
    [InlineData("/tmp")]
    [InlineData("../outside")]
    public async Task A_working_directory_outside_the_app_is_refused(string cwd)
    {
        var (isError, text) = await RunAsync("ls", cwd);

        Assert.True(isError);
        Assert.Contains("Refused path", text, StringComparison.Ordinal);
        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task A_symlink_a_command_plants_cannot_lead_outside()
    {
        await RequireAsync();
        _tools.Write("plant.js", $$"""
            const fs = require('fs');
            fs.symlinkSync({{Js(_tools.Outside)}}, 'absolute-link');
            fs.symlinkSync('../outside', 'relative-link');
            fs.symlinkSync({{Js(Path.Combine(_tools.Outside, "secret.txt"))}}, 'secret-link.txt');
            fs.symlinkSync('/', 'root-link');
            console.log('planted');
            """);

        var (isError, text) = await RunAsync("node plant.js");
        Assert.False(isError, text);

        foreach (var command in new[]
                 {
                     "cat absolute-link/secret.txt", "cat relative-link/secret.txt", "cat secret-link.txt", "ls root-link/etc",
                     "touch relative-link/pwned", "cp package.json absolute-link/", "rm -rf relative-link/", "mkdir absolute-link/pwned",
                 })
        {
            await AssertRefusedAsync(command, "symbolic link");
        }

        foreach (var path in new[] { "absolute-link/secret.txt", "relative-link/secret.txt", "secret-link.txt" })
        {
            var (readError, readText) = await _tools.CallAsync("read_file", new { path });
            Assert.True(readError);
            Assert.DoesNotContain("TOP SECRET", readText, StringComparison.Ordinal);
            Assert.True((await _tools.CallAsync("write_file", new { path, content = "pwned" })).IsError);
        }

        // Inside the sandbox the links lead nowhere: the host directories they name are not there.
        _tools.Write("follow.js", """
            const fs = require('fs');
            for (const p of ['absolute-link/secret.txt', 'relative-link/secret.txt', 'secret-link.txt']) {
              try { console.log(p + ': ' + fs.readFileSync(p, 'utf8')); fs.writeFileSync(p, 'pwned'); } catch (e) { console.log(p + ': ' + e.code); }
            }
            """);
        var (_, followed) = await RunAsync("node follow.js");
        Assert.DoesNotContain("TOP SECRET", followed, StringComparison.Ordinal);
        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task A_hard_link_a_command_plants_cannot_reach_a_file_outside()
    {
        await RequireAsync();
        _tools.Write("link.js", $$"""
            const fs = require('fs');
            for (const [from, to] of [[{{Js(Path.Combine(_tools.Outside, "secret.txt"))}}, 'h1'], ['../outside/secret.txt', 'h2'], ['/etc/hostname', 'h3'], ['/etc/passwd', 'h4']]) {
              try { fs.linkSync(from, to); fs.writeFileSync(to, 'pwned'); console.log('linked ' + from); } catch (e) { console.log('refused ' + from + ': ' + e.code); }
            }
            """);

        var (isError, text) = await RunAsync("node link.js");

        Assert.False(isError, text);
        Assert.DoesNotContain("linked", text.Replace("link.js", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("refused /etc/passwd: EXDEV", text, StringComparison.Ordinal);
        foreach (var name in new[] { "h1", "h2", "h3", "h4" })
        {
            Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, name)), $"{name} was created");
        }

        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task A_package_script_that_writes_outside_is_contained_by_the_sandbox()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "scripts": { "evil": "node evil.js" } }""");
        _tools.Write("evil.js", $$"""
            const fs = require('fs');
            for (const target of [{{Js(Outside("pwned.txt"))}}, {{Js(Outside("secret.txt"))}}, '../outside/pwned.txt', {{Js(_hostMarker)}},
                                  '/etc/kiln-pwned', {{Js(Path.Combine(_tools.ProjectsRoot, "pwned.txt"))}}, '/usr/local/bin/kiln-pwned']) {
              try { fs.writeFileSync(target, 'pwned'); console.log('wrote ' + target); }
              catch (e) { console.log('blocked ' + target + ': ' + e.code); }
            }
            """);

        var (isError, text) = await RunAsync("npm run evil");

        Assert.False(isError, text);
        Assert.Contains("blocked /etc/kiln-pwned: EROFS", text, StringComparison.Ordinal);
        Assert.Contains("blocked /usr/local/bin/kiln-pwned: EROFS", text, StringComparison.Ordinal);
        Assert.False(File.Exists("/etc/kiln-pwned"));
        Assert.False(File.Exists("/usr/local/bin/kiln-pwned"));
        // Paths under the host's /tmp land on the sandbox's private /tmp, if anywhere, and vanish with it.
        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task Secrets_on_kilns_side_never_reach_a_command()
    {
        await RequireAsync();
        Environment.SetEnvironmentVariable("ANTHROPIC_API_KEY", FakeApiKey);
        _tools.Write("leak.js", """
            const fs = require('fs');
            console.log(JSON.stringify(process.env));
            for (const f of ['/proc/self/environ', '/proc/1/environ', '/proc/self/cmdline']) {
              try { console.log(fs.readFileSync(f, 'latin1').replace(/\0/g, '\n')); } catch (e) { console.log(f + ': ' + e.code); }
            }
            for (const pid of fs.readdirSync('/proc').filter(n => /^\d+$/.test(n))) {
              try { console.log(fs.readFileSync('/proc/' + pid + '/environ', 'latin1')); } catch {}
            }
            """);
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "scripts": { "env": "node leak.js" } }""");

        var outputs = new List<string>();
        foreach (var command in new[] { "node leak.js", "npm run env", "pnpm run env" })
        {
            var (_, text) = await RunAsync(command);
            outputs.Add(text);
        }

        await AssertRefusedAsync("cat /proc/self/environ", "outside the project");
        await AssertRefusedAsync("env", "bypass the allowlist");
        var streamed = (await _tools.EventsAsync()).Select(e => e.Data.GetRawText());
        foreach (var text in outputs.Concat(streamed))
        {
            Assert.DoesNotContain(FakeApiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(FakeAuthToken, text, StringComparison.Ordinal);
            Assert.DoesNotContain("ANTHROPIC", text, StringComparison.Ordinal);
        }

        Assert.Contains("PATH", outputs[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_waiting_on_stdin_ends_at_once()
    {
        await RequireAsync();
        _tools.Write("read.js", "let n = 0; process.stdin.on('data', d => n += d.length); process.stdin.on('end', () => console.log('stdin closed after ' + n + ' bytes'));");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (catError, catText) = await RunAsync("cat", timeoutSeconds: 30);
        var (nodeError, nodeText) = await RunAsync("node read.js", timeoutSeconds: 30);

        Assert.False(catError, catText);
        Assert.False(nodeError, nodeText);
        Assert.Contains("stdin closed after 0 bytes", nodeText, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task Tool_executed_carries_the_calls_real_duration()
    {
        await RequireAsync();
        _tools.Write("wait.js", "setTimeout(() => console.log('waited'), 300);\n");

        var result = await _tools.CallForResultAsync("run_command", new { command = "node wait.js" });

        Assert.False(result.IsError, Kiln.Tools.ProjectToolset.TextOf(result));
        var executed = (await _tools.EventsAsync()).Last(e => e.Type == "tool_executed").Data;
        Assert.Equal("run_command", executed.GetProperty("tool").GetString());
        // At least the command's own wait; at most what node's start on a busy two-core machine can explain.
        Assert.InRange(executed.GetProperty("durationMs").GetInt64(), 300, 15_000);
        Assert.InRange(result.StructuredContent!.Value.GetProperty("durationMs").GetInt64(), 300, executed.GetProperty("durationMs").GetInt64());
    }

    [Fact]
    public async Task Cat_of_a_binary_file_is_described_not_dumped()
    {
        await RequireAsync();
        var bytes = new byte[200 * 1024];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0;
        await File.WriteAllBytesAsync(Path.Combine(_tools.AppDirectory, "image.bin"), bytes, TestContext.Current.CancellationToken);

        var (isError, text) = await RunAsync("cat image.bin");

        Assert.False(isError, text);
        Assert.Contains("binary output", text, StringComparison.Ordinal);
        Assert.True(text.Length < 2048, $"{text.Length} characters came back");
        var streamed = string.Concat((await _tools.EventsAsync()).Where(e => e.Type == "command_output").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Contains("binary output", streamed, StringComparison.Ordinal);
        Assert.True(streamed.Length < 2048, $"{streamed.Length} characters were streamed");
        foreach (var shown in new[] { text, streamed })
        {
            Assert.DoesNotContain('\0', shown);
            Assert.DoesNotContain('\uFFFD', shown);
        }

        AssertNothingOutsideChanged();
    }

    [Fact]
    public async Task A_very_long_argument_list_is_refused()
    {
        var names = string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"f{i}"));

        await AssertRefusedAsync("touch " + names, "smaller commands");
        await AssertRefusedAsync("touch " + string.Join(' ', Enumerable.Range(0, 300).Select(i => $"f{i}")), "more than 256 arguments");
    }

    [Theory]
    [InlineData("touch 'a\u0001b'")]
    [InlineData("touch \"a\u001bb\"")]
    [InlineData("touch a\u0007b")]
    [InlineData("cat \"a\u0000b\"")]
    public async Task File_names_with_control_characters_are_refused(string command) =>
        await AssertRefusedAsync(command, "control character");

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(100_000)]
    public async Task A_timeout_out_of_range_is_refused(int seconds)
    {
        var (isError, text) = await RunAsync("ls", timeoutSeconds: seconds);

        Assert.True(isError);
        Assert.Contains("timeout_seconds must be between 1 and 900", text, StringComparison.Ordinal);
    }

    [Fact]
    public void When_the_sandbox_is_required_and_missing_Kiln_refuses_to_start_and_says_why()
    {
        var refused = Assert.ThrowsAny<Exception>(() => KilnApp.Start(new Dictionary<string, string?>
        {
            ["Kiln:Sandbox:Mode"] = "required",
            ["Kiln:Sandbox:BubblewrapPath"] = "/nonexistent/bwrap",
        }));

        var reasons = string.Join("\n", Flatten(refused).Select(e => e.Message));
        Assert.Contains("the sandbox is required (Kiln:Sandbox:Mode=required) but bubblewrap does not work here", reasons, StringComparison.Ordinal);

        static IEnumerable<Exception> Flatten(Exception exception) =>
            exception is AggregateException aggregate
                ? aggregate.InnerExceptions.SelectMany(Flatten)
                : exception.InnerException is { } inner ? [exception, .. Flatten(inner)] : [exception];
    }

    [Fact]
    public async Task A_static_app_needs_no_build()
    {
        File.Delete(Path.Combine(_tools.AppDirectory, "package.json"));

        var (isError, text) = await _tools.CallAsync("build_project", new { });

        Assert.False(isError, text);
        Assert.Contains("static", text, StringComparison.Ordinal);
        Assert.Contains($"/api/projects/{_tools.ProjectId}/preview/", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_needs_a_build_script_and_installed_dependencies()
    {
        var (noScript, noScriptText) = await _tools.CallAsync("build_project", new { });
        _tools.Write("package.json", """{ "name": "app", "scripts": { "build": "node build.js" } }""");
        var (noModules, noModulesText) = await _tools.CallAsync("build_project", new { });
        _tools.Write("package.json", "{ not json");
        var (badJson, badJsonText) = await _tools.CallAsync("build_project", new { });

        Assert.True(noScript);
        Assert.Contains("no \"build\" script", noScriptText, StringComparison.Ordinal);
        Assert.True(noModules);
        Assert.Contains("Call install_dependencies", noModulesText, StringComparison.Ordinal);
        Assert.True(badJson);
        Assert.Contains("not valid JSON", badJsonText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_build_returns_its_last_60_lines_without_colour_codes()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "scripts": { "build": "node build.js" } }""");
        Directory.CreateDirectory(Path.Combine(_tools.AppDirectory, "node_modules"));
        _tools.Write("build.js", """
            for (let i = 1; i <= 200; i++) console.log('\x1b[2mtransforming module ' + i + '\x1b[22m');
            console.error('\x1b[31merror\x1b[39m src/App.tsx(3,7): \x1b[1mType \'string\' is not assignable to type \'number\'.\x1b[22m');
            process.exit(1);
            """);

        var (isError, text) = await _tools.CallAsync("build_project", new { });

        Assert.True(isError);
        Assert.StartsWith("The build failed (exit code 1", text, StringComparison.Ordinal);
        Assert.Contains("error src/App.tsx(3,7): Type 'string' is not assignable to type 'number'.", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("transforming module 200", text, StringComparison.Ordinal);
        Assert.DoesNotContain("transforming module 100\n", text, StringComparison.Ordinal);
        var shown = text[(text.IndexOf("':\n", StringComparison.Ordinal) + 3)..];
        Assert.Equal(60, shown.TrimEnd('\n').Split('\n').Length);
        var streamed = string.Concat((await _tools.EventsAsync()).Where(e => e.Type == "command_output").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Contains("transforming module 1\n", streamed, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', streamed);
    }

    [Fact]
    public async Task A_successful_build_says_so()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "scripts": { "build": "node build.js" } }""");
        Directory.CreateDirectory(Path.Combine(_tools.AppDirectory, "node_modules"));
        _tools.Write("build.js", "require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/index.html', '<h1>built</h1>'); console.log('built dist/index.html');");

        var (isError, text) = await _tools.CallAsync("build_project", new { });

        Assert.False(isError, text);
        Assert.StartsWith("The build succeeded in ", text, StringComparison.Ordinal);
        Assert.Contains("built dist/index.html", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_tools.AppDirectory, "dist", "index.html")));
    }
}

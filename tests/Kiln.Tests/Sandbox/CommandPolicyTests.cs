using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Sandbox;

public sealed class CommandPolicyTests : IDisposable
{
    private readonly AppWorkspace _workspace = new();
    private readonly CommandPolicy _policy = Policy();

    public CommandPolicyTests()
    {
        _workspace.Write("package.json", "{}");
        _workspace.Write("src/App.tsx", "export {}");
        _workspace.Write("scripts/build.mjs", "console.log('ok')");
        Directory.CreateDirectory(_workspace.InApp(".git"));
    }

    public void Dispose() => _workspace.Dispose();

    internal static CommandPolicy Policy(Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions();
        configure?.Invoke(options);
        return new CommandPolicy(Options.Create(options));
    }

    private PolicyDecision Evaluate(string command, string? workingDirectory = null)
    {
        var parse = CommandLine.Split(command);
        Assert.True(parse.Succeeded, parse.Error);
        return _policy.Evaluate(parse.Argv!, _workspace.App, workingDirectory ?? _workspace.App);
    }

    [Theory]
    [InlineData("pnpm install")]
    [InlineData("pnpm add react react-dom @types/react@^18")]
    [InlineData("pnpm add -D typescript")]
    [InlineData("pnpm -C src install")]
    [InlineData("pnpm run build")]
    [InlineData("pnpm dev --port 5173")]
    [InlineData("pnpm exec tsc --noEmit")]
    [InlineData("pnpm exec vite build --outDir dist")]
    [InlineData("pnpm dlx create-vite@latest my-app --template react-ts")]
    [InlineData("pnpm create vite my-app --template react-ts")]
    [InlineData("npm create vite@latest my-app -- --template react")]
    [InlineData("npm init vite@latest my-app")]
    [InlineData("npm init -y")]
    [InlineData("npm ci")]
    [InlineData("npm run test -- --watch=false")]
    [InlineData("npm exec create-next-app@latest web")]
    [InlineData("npx -y create-next-app@latest web --ts")]
    [InlineData("npx shadcn@latest init")]
    [InlineData("yarn add lodash")]
    [InlineData("node scripts/build.mjs --flag")]
    [InlineData("node --enable-source-maps scripts/build.mjs")]
    [InlineData("node --test")]
    [InlineData("node --version")]
    [InlineData("git status")]
    [InlineData("git log --oneline -n 5")]
    [InlineData("git diff HEAD~1..HEAD -- src")]
    [InlineData("git show HEAD:src/App.tsx")]
    [InlineData("git branch -a")]
    [InlineData("git -C src ls-files")]
    [InlineData("ls -la src")]
    [InlineData("cat src/App.tsx")]
    [InlineData("head -n 20 src/App.tsx")]
    [InlineData("tail -n 5 src/App.tsx")]
    [InlineData("wc -l src/App.tsx")]
    [InlineData("grep -rn 'useState' src")]
    [InlineData("grep -e '../' src/App.tsx")]
    [InlineData("find . -name '*.tsx' -type f")]
    [InlineData("mkdir -p src/components/ui")]
    [InlineData("cp src/App.tsx src/App.old.tsx")]
    [InlineData("mv src/App.old.tsx src/Old.tsx")]
    [InlineData("rm -rf dist node_modules")]
    [InlineData("touch src/new.ts")]
    [InlineData("echo ../../../../etc/passwd")]
    [InlineData("pwd")]
    [InlineData("tsc -p tsconfig.json")]
    [InlineData("vite build --outDir=dist")]
    [InlineData("next build")]
    [InlineData("eslint --fix src")]
    [InlineData("prettier --write src")]
    [InlineData("prettier --write 'src/**/*.{ts,tsx}'")]
    public void Allowed_commands_pass(string command)
    {
        var decision = Evaluate(command);

        Assert.True(decision.Allowed, decision.Reason);
        Assert.Null(decision.Reason);
    }

    [Theory]
    [InlineData("curl https://example.com", "not an allowed program")]
    [InlineData("./node_modules/.bin/vite", "run programs by name")]
    [InlineData("/bin/ls", "run programs by name")]
    [InlineData("env ANTHROPIC_API_KEY=x node a.js", "starts other programs")]
    [InlineData("xargs rm", "starts other programs")]
    [InlineData("sudo ls", "starts other programs")]
    [InlineData("sed -i s/a/b/ src/App.tsx", "file tools")]
    [InlineData("pnpm publish", "'pnpm publish' is not allowed")]
    [InlineData("npm config set prefix /", "'npm config' is not allowed")]
    [InlineData("npm install -g typescript", "global installs")]
    [InlineData("pnpm add --global typescript", "global installs")]
    [InlineData("npm i --location=global typescript", "global installs")]
    [InlineData("npm install ../other", "'..' is not allowed")]
    [InlineData("pnpm add file:../other", "'..' is not allowed")]
    [InlineData("npm install left@file:/etc", "outside the project")]
    [InlineData("npm --prefix / install", "outside the project")]
    [InlineData("pnpm --dir=/ install", "outside the project")]
    [InlineData("npx cowsay hello", "may only run these packages")]
    [InlineData("npx -p evil-package create-vite", "may only run these packages")]
    [InlineData("npx -c 'rm -rf /'", "shell string")]
    [InlineData("pnpm dlx left-pad", "may only run these packages")]
    [InlineData("pnpm create evil", "'create-evil' is not one of them")]
    [InlineData("npm init @evil/app", "'@evil/create-app' is not one of them")]
    [InlineData("npm exec evil", "may only run these packages")]
    [InlineData("pnpm exec sh -c id", "is a shell")]
    [InlineData("pnpm exec curl x", "not an allowed program")]
    [InlineData("tsc --outDir /tmp/x", "outside the project")]
    [InlineData("vite build --outDir=../dist", "'..' is not allowed")]
    [InlineData("node", "needs a script file")]
    [InlineData("node missing.js", "does not exist")]
    [InlineData("node /etc/passwd", "outside the project")]
    [InlineData("node -", "standard input")]
    [InlineData("node --inspect=0.0.0.0:9229 scripts/build.mjs", "debugging port")]
    [InlineData("node --experimental-policy=x scripts/build.mjs", "not allowed")]
    [InlineData("git commit -m x", "changes the repository")]
    [InlineData("git reset --hard", "changes the repository")]
    [InlineData("git push", "changes the repository")]
    [InlineData("git checkout .", "changes the repository")]
    [InlineData("git config core.pager id", "changes the repository")]
    [InlineData("git -c core.pager=id log", "not allowed before the sub-command")]
    [InlineData("git --git-dir=/ status", "not allowed before the sub-command")]
    [InlineData("git diff --output=x", "read-only")]
    [InlineData("git diff --ext-diff", "external program")]
    [InlineData("git branch evil", "creates a branch")]
    [InlineData("git branch -D main", "changes branches")]
    [InlineData("git blame src/App.tsx", "'git blame' is not allowed")]
    [InlineData("find . -exec rm {} \\;", "find -exec runs other programs")]
    [InlineData("find . -delete", "find -delete")]
    [InlineData("find . -fprint /tmp/x", "writes files")]
    [InlineData("find -L . -name x", "follows symbolic links")]
    [InlineData("find / -name passwd", "outside the project")]
    [InlineData("grep -R x .", "follows symbolic links")]
    [InlineData("grep x /etc/passwd", "outside the project")]
    [InlineData("grep -f /etc/passwd src", "outside the project")]
    [InlineData("cp -L src x", "symbolic links")]
    [InlineData("cp src/App.tsx /tmp/x", "outside the project")]
    [InlineData("cp -t /tmp src/App.tsx", "outside the project")]
    [InlineData("mv . x", "project root")]
    [InlineData("mv src ../x", "'..' is not allowed")]
    [InlineData("mv src /tmp", "outside the project")]
    [InlineData("tail -f src/App.tsx", "never ends")]
    [InlineData("ls ~", "'~' is not expanded")]
    [InlineData("cat ~/.ssh/id_rsa", "'~' is not expanded")]
    [InlineData("rm -rf .git", ".git")]
    [InlineData("cat .git/config", ".git")]
    [InlineData("pwd /", "no arguments")]
    [InlineData("prettier --write '{..,src}/**/*.ts'", "expand patterns themselves")]
    [InlineData("eslint '{/etc,src}/*'", "expand patterns themselves")]
    [InlineData("prettier --write '../*'", "expand patterns themselves")]
    [InlineData("npm install --cache /tmp/cache", "outside the project")]
    [InlineData("npm run dev --script-shell=/bin/bash", "outside the project")]
    public void Refused_commands_say_why(string command, string because)
    {
        var decision = Evaluate(command);

        Assert.False(decision.Allowed);
        Assert.Contains(because, decision.Reason);
    }

    [Fact]
    public void Working_directory_outside_the_project_is_refused()
    {
        Assert.Contains("outside the project", Evaluate("ls", _workspace.Root).Reason);
        Assert.Contains("outside the project", Evaluate("ls", "/").Reason);
        Assert.Contains("outside the project", Evaluate("ls", "..").Reason);
        Assert.True(Evaluate("ls", "src").Allowed);
        Assert.True(Evaluate("cat App.tsx", _workspace.InApp("src")).Allowed);
        Assert.False(Evaluate("cat ../../sentinel.txt", _workspace.InApp("src")).Allowed);
    }

    [Fact]
    public void Configuration_can_add_and_remove_programs_and_packages_but_never_allow_a_shell()
    {
        var policy = Policy(o =>
        {
            o.Programs["python3"] = "*";
            o.Programs["bash"] = "*";
            o.Programs["rm"] = "";
            o.Packages["cowsay"] = true;
            o.Packages["create-vite"] = false;
        });

        PolicyDecision Eval(params string[] argv) => policy.Evaluate(argv, _workspace.App, _workspace.App);

        Assert.True(Eval("python3", "scripts/build.mjs").Allowed);
        Assert.Contains("runs code given on the command line", Eval("python3", "-c", "print(1)").Reason);
        Assert.Contains("runs code given on the command line", Eval("python3", "-Sc", "print(1)").Reason);
        Assert.Contains("is a shell", Eval("bash", "-c", "id").Reason);
        Assert.Contains("not an allowed program", Eval("rm", "x").Reason);
        Assert.True(Eval("npx", "cowsay").Allowed);
        Assert.False(Eval("npx", "create-vite").Allowed);
    }

    [Fact]
    public void Sub_command_lists_come_from_configuration()
    {
        var policy = Policy(o => o.Programs["git"] = "status commit");

        Assert.True(policy.Evaluate(["git", "status"], _workspace.App, _workspace.App).Allowed);
        // Configuration cannot make git write: Kiln owns the history.
        Assert.Contains("changes the repository", policy.Evaluate(["git", "commit"], _workspace.App, _workspace.App).Reason);
        Assert.Contains("'git log' is not allowed", policy.Evaluate(["git", "log"], _workspace.App, _workspace.App).Reason);
    }

    [Theory]
    [InlineData("create-vite@latest", "create-vite")]
    [InlineData("@scope/pkg@1.2.3", "@scope/pkg")]
    [InlineData("vite", "vite")]
    public void Package_names_lose_their_version(string spec, string name) =>
        Assert.Equal(name, PackageSpecs.PackageName(spec));

    [Theory]
    [InlineData("vite", "create-vite")]
    [InlineData("@scope", "@scope/create")]
    [InlineData("@scope/app", "@scope/create-app")]
    public void Initializers_map_to_create_packages(string name, string package) =>
        Assert.Equal(package, PackageSpecs.CreatePackageName(name));
}

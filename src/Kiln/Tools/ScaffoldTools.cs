using System.Collections.Frozen;
using System.ComponentModel;
using System.Text;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>
/// The scaffold tools: a new app in the project's app directory from Vite's or Next.js's own starter, copied from
/// Kiln's template cache (scaffolded once per template and version, with the registry) so that it is instant and
/// needs no network. They never install; install_dependencies does, from the shared store.
/// </summary>
[McpServerToolType]
public sealed class ScaffoldTools(
    ToolContext context,
    TemplateCache templates,
    PackageManager packages,
    SandboxedProcessRunner sandbox,
    DevServerSupervisor devServers,
    IOptions<PackagesOptions> options)
{
    /// <summary>
    /// create-vite's own templates, which it copies from its package. Its other choices run further scaffolders
    /// fetched at their latest version (create-vue, sv, nuxi, …), which could neither be pinned nor cached.
    /// </summary>
    public static readonly FrozenSet<string> ViteTemplates = FrozenSet.Create(StringComparer.Ordinal,
        "vanilla", "vanilla-ts", "vue", "vue-ts", "react", "react-ts", "react-compiler", "react-compiler-ts", "preact", "preact-ts",
        "lit", "lit-ts", "svelte", "svelte-ts", "solid", "solid-ts", "qwik", "qwik-ts");

    private const int ListedFiles = 40;

    [McpServerTool(Name = "create_vite_app", Destructive = true)]
    [Description("Scaffolds a new Vite app in the app directory from one of Vite's official templates (create-vite, non-interactive). " +
                 "Files the template would overwrite must not exist (the unchanged files of an earlier scaffold may). It does not install dependencies: call install_dependencies next, " +
                 "then build_project to check that it builds.")]
    public Task<string> CreateViteApp(
        [Description("The Vite template: vanilla, vanilla-ts, react, react-ts, react-compiler, react-compiler-ts, vue, vue-ts, svelte, svelte-ts, " +
                     "preact, preact-ts, lit, lit-ts, solid, solid-ts, qwik or qwik-ts. The -ts variants use TypeScript.")] string template,
        CancellationToken cancellationToken)
    {
        var name = (template ?? "").Trim().ToLowerInvariant();
        if (!ViteTemplates.Contains(name))
        {
            throw new McpException($"'{template}' is not one of Vite's templates. Choose one of: {string.Join(", ", ViteTemplates.Order(StringComparer.Ordinal))}.");
        }

        return ScaffoldAsync(Vite(name), $"a Vite app from the {name} template", cancellationToken);
    }

    [McpServerTool(Name = "create_next_app", Destructive = true)]
    [Description("Scaffolds a new Next.js app in the app directory with create-next-app (non-interactive, no linter, '@/*' import alias). " +
                 "Files the app would overwrite must not exist (the unchanged files of an earlier scaffold may). It does not install dependencies: call install_dependencies next.")]
    public Task<string> CreateNextApp(
        [Description("TypeScript (true, the default) or JavaScript (false).")] bool? typescript = null,
        [Description("Set up Tailwind CSS (default true).")] bool? tailwind = null,
        [Description("Use the App Router in app/ (true, the default) or the Pages Router in pages/ (false).")] bool? appRouter = null,
        CancellationToken cancellationToken = default)
    {
        var ts = typescript ?? true;
        var tw = tailwind ?? true;
        var app = appRouter ?? true;
        var recipe = new TemplateRecipe(
            "create-next-app",
            options.Value.CreateNextAppVersion,
            $"{(ts ? "ts" : "js")}-{(tw ? "tailwind" : "css")}-{(app ? "app" : "pages")}",
            [
                ts ? "--ts" : "--js", tw ? "--tailwind" : "--no-tailwind", app ? "--app" : "--no-app",
                "--no-eslint", "--no-biome", "--no-src-dir", "--no-react-compiler", "--import-alias", "@/*",
                packages.Kind == PackageManagerChoice.Pnpm ? "--use-pnpm" : "--use-npm",
                "--skip-install", "--disable-git", "--no-agent-feedback", "--yes",
            ]);
        return ScaffoldAsync(recipe, $"a Next.js app ({(ts ? "TypeScript" : "JavaScript")}, {(tw ? "Tailwind CSS" : "plain CSS")}, {(app ? "App Router" : "Pages Router")})", cancellationToken);
    }

    [McpServerTool(Name = "create_react_app", Destructive = true)]
    [Description("Scaffolds a new React single-page app in the app directory. Create React App is deprecated upstream (the React team " +
                 "stopped maintaining it in 2025), so this creates the equivalent app with Vite's react or react-ts template, exactly as " +
                 "create_vite_app would: 'npm run dev' and 'npm run build' work as before, the entry is src/main.jsx (or .tsx) instead of " +
                 "src/index.js, and the build goes to dist/ instead of build/. It does not install dependencies: call install_dependencies next.")]
    public async Task<string> CreateReactApp(
        [Description("TypeScript (true) or JavaScript (false, the default, as with Create React App).")] bool? typescript = null,
        CancellationToken cancellationToken = default)
    {
        var template = typescript == true ? "react-ts" : "react";
        var report = await ScaffoldAsync(Vite(template), $"a React app with Vite's {template} template", cancellationToken);
        return "Create React App is deprecated, so this is the same React app built with Vite (its recommended replacement). " + report;
    }

    private TemplateRecipe Vite(string template) =>
        new("create-vite", options.Value.CreateViteVersion, template, ["--template", template, "--no-interactive"]);

    private Task<string> ScaffoldAsync(TemplateRecipe recipe, string what, CancellationToken cancellationToken)
    {
        // Every template has one, so this conflict is known before a template is fetched: unless it is a scaffold's
        // own package.json, unchanged, left by a scaffold that was cut short (Kiln killed mid-run), which this one finishes.
        RefuseOverwriting(["package.json"], templateDirectory: null);
        return templates.UseAsync(context, recipe, async template =>
        {
            var files = Files(template.Directory);
            RefuseOverwriting(files, template.Directory);

            // The template's demo code is nobody's work: a model may replace it whole, however small its own version.
            // Recorded before the copy, so that a scaffold cut short leaves only files the next scaffold knows it may replace.
            context.Provenance.Scaffolded(files.Select(file => (file, File.ReadAllBytes(Path.Combine(template.Directory, file)))));
            foreach (var file in files)
            {
                var target = context.App.Resolve(file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(Path.Combine(template.Directory, file), target, overwrite: true);
                await context.Events.AppendAsync(context.ProjectId, new FileCreated(file, new FileInfo(target).Length), CancellationToken.None);
            }

            var installed = false;
            if (template.Stamp.InstalledIn is { } installedIn && Directory.Exists(Path.Combine(template.Directory, ProtectedDirectories.ModulesDirectory))
                && !Directory.Exists(Path.Combine(context.App.Root, ProtectedDirectories.ModulesDirectory)))
            {
                // Package files are shared with the template only where the sandbox keeps every command from writing
                // them: under bubblewrap, and not while a dev server of the app runs, whose mounts were made before
                // this node_modules existed.
                var link = (await sandbox.GetStatusAsync(cancellationToken)).Isolated && devServers.State(context.ProjectId) is DevServerState.Stopped or DevServerState.Crashed;
                await Task.Run(() => InstalledDependencies.Clone(template.Directory, installedIn, context.App.Root, link), cancellationToken);
                installed = true;
            }

            return Report(what, template, files, installed);
        }, cancellationToken);
    }

    /// <summary>
    /// Refuses when the new app would overwrite a file that is somebody's work. A file a scaffold wrote and nobody
    /// changed since, or one that already holds exactly what the template has, loses nothing when it is written again.
    /// </summary>
    private void RefuseOverwriting(List<string> files, string? templateDirectory)
    {
        var existing = files.Where(file => Directory.Exists(Path.Combine(context.App.Root, file))
                                           || File.Exists(Path.Combine(context.App.Root, file)) && !IsNobodysWork(file, templateDirectory)).ToList();
        if (existing.Count > 0)
        {
            throw new McpException(
                $"The app directory already has {string.Join(", ", existing.Take(5))}{(existing.Count > 5 ? $" and {existing.Count - 5} more" : "")}, " +
                "which the new app would overwrite. Scaffolding starts a new app: delete those files first, or keep building on the app that is there.");
        }
    }

    private bool IsNobodysWork(string file, string? templateDirectory)
    {
        var content = File.ReadAllBytes(context.App.Resolve(file));
        return context.Provenance.IsScaffolded(file, content)
               || templateDirectory is not null && content.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(templateDirectory, file)));
    }

    private static string Report(string what, CachedTemplate template, List<string> files, bool installed)
    {
        var stamp = template.Stamp;
        var text = new StringBuilder()
            .Append($"Created {what} ({stamp.Package} {stamp.Version}, for {stamp.PackageManager}; ")
            .Append(template.FromCache ? $"copied from Kiln's template cache, made {stamp.CreatedAt:yyyy-MM-dd}" : "scaffolded now and kept in Kiln's template cache")
            .Append($"). {files.Count} files:\n")
            .AppendJoin('\n', files.Take(ListedFiles));
        if (files.Count > ListedFiles)
        {
            text.Append($"\n… and {files.Count - ListedFiles} more (list_directory shows them all)");
        }

        if (template.Note is not null)
        {
            text.Append('\n').Append(template.Note);
        }

        return text.Append(installed
            ? "\nIts dependencies are installed already (node_modules from the template cache). Next: change the code; install_dependencies adds " +
              "packages, and build_project checks that it builds."
            : "\nNext: install_dependencies installs its packages; then change the code, and build_project checks that it builds.").ToString();
    }

    /// <summary>The template's files, relative, in a stable order; node_modules is never part of one.</summary>
    private static List<string> Files(string directory) =>
        AppFileTree.Walk(directory)
            .OfType<FileInfo>()
            .Select(file => Path.GetRelativePath(directory, file.FullName).Replace('\\', '/'))
            .ToList();
}

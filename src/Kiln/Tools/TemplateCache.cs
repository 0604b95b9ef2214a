using System.Collections.Concurrent;
using System.Text.Json;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace Kiln.Tools;

/// <summary>One way of running a scaffolder: the package at an exact version and its arguments after the app's name.</summary>
/// <param name="Package">The scaffolder's npm package, such as <c>create-vite</c>.</param>
/// <param name="Version">Its exact version.</param>
/// <param name="Variant">A short name for the arguments (<c>react-ts</c>), which with the package, version and package manager keys the cache.</param>
/// <param name="Arguments">What follows the app's directory name on the scaffolder's command line.</param>
public sealed record TemplateRecipe(string Package, string Version, string Variant, IReadOnlyList<string> Arguments);

/// <summary>What a cached template was made from, and when; stored beside its files.</summary>
/// <param name="Package">The scaffolder's npm package.</param>
/// <param name="Version">Its exact version.</param>
/// <param name="Variant">The short name of its arguments (<c>react-ts</c>).</param>
/// <param name="PackageManager">pnpm or npm, which wrote the lockfile.</param>
/// <param name="CreatedAt">When it was scaffolded.</param>
/// <param name="InstalledIn">
/// Where its node_modules was installed (a staging directory since moved), which the packages' command shims name;
/// null when the entry keeps no node_modules (npm, or a Kiln from before entries kept one).
/// </param>
public sealed record TemplateStamp(string Package, string Version, string Variant, string PackageManager, DateTimeOffset CreatedAt, string? InstalledIn = null);

/// <summary>A template ready to copy: its files under <see cref="Directory"/>.</summary>
/// <param name="Directory">The app as the scaffolder left it, with its lockfile and, with pnpm, its installed node_modules.</param>
/// <param name="Stamp">What made it, and when.</param>
/// <param name="FromCache">False when it was scaffolded by this call.</param>
/// <param name="Note">Something the model should know, such as a refresh that failed.</param>
public sealed record CachedTemplate(string Directory, TemplateStamp Stamp, bool FromCache, string? Note);

/// <summary>
/// Scaffolded apps, kept per scaffolder, version, variant and package manager under
/// <see cref="PackageManager.TemplatesDirectory"/>, so only the first scaffold of a template needs the registry:
/// later ones are a copy. An entry holds the scaffolder's output and a resolved lockfile; with pnpm also the installed
/// node_modules, which a new app gets without running pnpm (<see cref="InstalledDependencies"/>), and with npm the
/// first install of a copy resolves nothing and, once the cache holds the packages, fetches nothing. Entries older than
/// <see cref="PackagesOptions.TemplateMaxAgeDays"/> are scaffolded again on use; when that fails the old one serves.
/// </summary>
/// <remarks>
/// A new entry is scaffolded in a staging directory and moved into place whole, so a reader never sees half a
/// template and a scaffold that fails or is killed leaves nothing behind. Only the sandboxed scaffolder and resolver
/// write in the staging directory; afterwards the entry is Kiln's alone, and no project's command can reach it.
/// </remarks>
public sealed class TemplateCache(
    PackageManager packages,
    ProjectCommandRunner commands,
    IOptions<PackagesOptions> options,
    TimeProvider time,
    ILogger<TemplateCache> logger)
{
    private const string StampFile = "template.json";
    private const string StagingDirectory = ".staging";

    private static readonly TimeSpan AbandonedStaging = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets the template (scaffolding it first when it is missing or stale) and hands it to <paramref name="use"/>
    /// while no other call of this Kiln can replace it. The scaffolder's output streams as the project's events.
    /// </summary>
    public async Task<T> UseAsync<T>(ToolContext context, TemplateRecipe recipe, Func<CachedTemplate, Task<T>> use, CancellationToken cancellationToken)
    {
        var key = Key(recipe);
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await use(await GetAsync(context, recipe, key, cancellationToken));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The cache entry's directory name: scaffolder@version/variant.packagemanager.</summary>
    public string Key(TemplateRecipe recipe) => Path.Combine($"{recipe.Package}@{recipe.Version}", $"{recipe.Variant}.{packages.Name}");

    private async Task<CachedTemplate> GetAsync(ToolContext context, TemplateRecipe recipe, string key, CancellationToken cancellationToken)
    {
        var entry = Path.Combine(packages.TemplatesDirectory, key);
        var cached = ReadStamp(entry);
        var maxAge = options.Value.TemplateMaxAgeDays;
        if (cached is not null && (maxAge == 0 || time.GetUtcNow() - cached.CreatedAt < TimeSpan.FromDays(maxAge)))
        {
            return new CachedTemplate(AppIn(entry), cached, FromCache: true, Note: null);
        }

        var (staged, failure) = await ScaffoldAsync(context, recipe, cancellationToken);
        if (staged is null)
        {
            if (cached is not null)
            {
                logger.TemplateRefreshFailed(key, cached.CreatedAt, failure!);
                return new CachedTemplate(AppIn(entry), cached, FromCache: true,
                    $"Kiln could not scaffold a fresher copy, so this is the cached one from {cached.CreatedAt:yyyy-MM-dd}.");
            }

            throw new McpException(failure!);
        }

        Replace(entry, staged);
        return new CachedTemplate(AppIn(entry), ReadStamp(entry)!, FromCache: false, Note: null);
    }

    /// <summary>Runs the scaffolder and the install (npm: the lockfile resolution) in a staging directory; the directory, or why it failed.</summary>
    private async Task<(string? Staged, string? Failure)> ScaffoldAsync(ToolContext context, TemplateRecipe recipe, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var key = Key(recipe);
        logger.ScaffoldingTemplate(key);
        var stagingRoot = Directory.CreateDirectory(Path.Combine(packages.TemplatesDirectory, StagingDirectory)).FullName;
        RemoveAbandoned(stagingRoot);
        var staging = Directory.CreateDirectory(Path.Combine(stagingRoot, Guid.NewGuid().ToString("N"))).FullName;
        var succeeded = false;
        try
        {
            var writable = (IReadOnlyList<string>)[staging, .. packages.SharedCaches()];
            var timeout = TimeSpan.FromSeconds(options.Value.InstallTimeoutSeconds);
            var scaffolder = packages.Create(recipe.Package, recipe.Version, [PackageManager.AppName, .. recipe.Arguments]);
            var create = await commands.RunWithRetriesAsync(context, Spec(scaffolder.Argv, staging, writable, timeout), scaffolder.Display, cancellationToken);
            var app = AppIn(staging);
            if (!create.Succeeded || !File.Exists(Path.Combine(app, "package.json")))
            {
                return (null, Failure($"{recipe.Package}@{recipe.Version} could not scaffold the app", create));
            }

            // pnpm installs once here, and every app made from the entry starts installed; npm's node_modules has no
            // layout Kiln can put into another app, so its entry keeps the resolved lockfile only.
            // The install runs no package's code (--ignore-scripts), so it may see the whole cache as one mount, where
            // pnpm can link the store's files rather than copy 100 MB of them.
            var keepsModules = packages.Kind == PackageManagerChoice.Pnpm;
            var resolver = keepsModules ? packages.Install([], dev: false, linkFromStore: true) : packages.ResolveLockfile();
            var resolve = await commands.RunWithRetriesAsync(
                context, Spec(resolver.Argv, app, keepsModules ? [packages.CacheRoot] : writable, timeout), resolver.Display, cancellationToken);
            if (!resolve.Succeeded)
            {
                return (null, Failure("the scaffolded app's dependencies could not be " + (keepsModules ? "installed" : "resolved"), resolve));
            }

            if (!keepsModules)
            {
                DeleteDirectory(Path.Combine(app, ProtectedDirectories.ModulesDirectory));
            }

            var stamp = new TemplateStamp(recipe.Package, recipe.Version, recipe.Variant, packages.Name, time.GetUtcNow(), keepsModules ? app : null);
            await File.WriteAllTextAsync(Path.Combine(staging, StampFile), JsonSerializer.Serialize(stamp, ToolsJsonContext.Default.TemplateStamp), cancellationToken);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.TemplateCached(key, time.GetElapsedTime(started));
            }

            succeeded = true;
            return (staging, null);
        }
        finally
        {
            if (!succeeded)
            {
                DeleteDirectory(staging);
            }
        }
    }

    private ProcessSpec Spec(IReadOnlyList<string> argv, string workingDirectory, IReadOnlyList<string> writable, TimeSpan timeout) =>
        new(argv, workingDirectory, writable) { Timeout = timeout, Environment = packages.Environment(sharedCaches: true) };

    private static string Failure(string what, CommandRun run) =>
        $"Scaffolding failed: {what} ({(run.Result.QuotaExceeded is { } quota ? $"it was stopped: {CommandReport.QuotaStop(quota)}" : run.Result.TimedOut ? "it timed out" : $"exit code {run.Result.ExitCode}")}" +
        $"{(run.Attempts > 1 ? $", after {run.Attempts} attempts" : "")}). " +
        $"The last lines of '{run.Display}':\n{CommandReport.LastLines(run.Output, 30)}";

    /// <summary>Moves a staged entry into place; an older entry is moved aside first and then removed.</summary>
    private static void Replace(string entry, string staged)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        string? old = null;
        if (Directory.Exists(entry))
        {
            old = staged + ".old";
            Directory.Move(entry, old);
        }

        try
        {
            Directory.Move(staged, entry);
        }
        catch (IOException) when (Directory.Exists(entry))
        {
            // Another Kiln sharing the cache put the same template in place first; theirs serves as well.
            DeleteDirectory(staged);
        }

        DeleteDirectory(old);
    }

    private static TemplateStamp? ReadStamp(string entry)
    {
        var path = Path.Combine(entry, StampFile);
        if (!File.Exists(path) || !File.Exists(Path.Combine(AppIn(entry), "package.json")))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ToolsJsonContext.Default.TemplateStamp);
        }
        catch (JsonException)
        {
            // A damaged stamp: treat the entry as missing, so it is scaffolded again.
            return null;
        }
    }

    private static string AppIn(string directory) => Path.Combine(directory, PackageManager.AppName);

    /// <summary>Staging directories a crashed or killed Kiln left behind.</summary>
    private void RemoveAbandoned(string stagingRoot)
    {
        foreach (var directory in new DirectoryInfo(stagingRoot).EnumerateDirectories())
        {
            if (time.GetUtcNow() - directory.CreationTimeUtc > AbandonedStaging)
            {
                DeleteDirectory(directory.FullName);
            }
        }
    }

    private static void DeleteDirectory(string? directory)
    {
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next scaffold's clean-up of abandoned staging directories.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

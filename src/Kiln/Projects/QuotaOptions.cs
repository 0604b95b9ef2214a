using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>
/// Hard limits on what one Kiln and each of its projects hold, bound from <c>Kiln:Quotas</c>: a request or command past
/// one is refused or stopped, and nothing is removed to make room (that is the cleanup policy's job,
/// <see cref="CleanupOptions"/>).
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "Kiln:Quotas";

    /// <summary>
    /// The most bytes a project's directory may hold: the app with its node_modules and build output, its git history,
    /// logs and session. A Vite app with its dependencies holds 100-200 MB, a Next.js app 400-600 MB (pnpm's shared store
    /// is outside the project, but its hard links in node_modules count at their full size); 2 GiB leaves room for
    /// several builds. Enforced while commands and dev servers run, and on every file tool write.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long MaxProjectBytes { get; set; } = 2L << 30;

    /// <summary>
    /// Most projects the store may hold (every instance of a fleet counts the same shared store). A new project past it
    /// is refused; follow-ups to existing ones still run. Null: no limit.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? MaxProjects { get; set; }
}

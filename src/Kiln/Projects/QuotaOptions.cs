using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>What one project may hold, bound from <c>Kiln:Quotas</c>.</summary>
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
}

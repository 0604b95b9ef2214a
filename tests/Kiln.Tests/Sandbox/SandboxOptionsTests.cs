using Kiln.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Sandbox;

public sealed class SandboxOptionsTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddSandbox();
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("bwrap", SandboxMode.Bwrap)]
    [InlineData("none", SandboxMode.None)]
    [InlineData("required", SandboxMode.Required)]
    public void Mode_binds_from_its_lowercase_name(string value, SandboxMode mode)
    {
        using var provider = Services(new() { ["Kiln:Sandbox:Mode"] = value });

        Assert.Equal(mode, provider.GetRequiredService<IOptions<SandboxOptions>>().Value.Mode);
    }

    [Fact]
    public void Defaults_match_the_design()
    {
        using var provider = Services([]);
        var options = provider.GetRequiredService<IOptions<SandboxOptions>>().Value;

        Assert.Equal(SandboxMode.Bwrap, options.Mode);
        Assert.Equal(120, options.DefaultTimeoutSeconds);
        Assert.Equal(900, options.MaxTimeoutSeconds);
        Assert.Equal(600, options.CpuSeconds);
        Assert.Equal(512, options.MaxProcesses);
        Assert.Equal(256L * 1024 * 1024, options.MaxFileSizeBytes);
        Assert.Equal(4096, options.MaxOpenFiles);
        Assert.Equal(1024 * 1024, options.MaxOutputBytes);
        Assert.Empty(options.ExtraWritableDirectories);
        Assert.Contains("/root", options.EffectiveHiddenPaths);
        Assert.Contains("install", options.Programs["pnpm"]);
        Assert.True(options.Packages["create-vite"]);
    }

    [Fact]
    public void Configuration_overrides_allowlist_entries_one_by_one()
    {
        using var provider = Services(new()
        {
            ["Kiln:Sandbox:Programs:git"] = "status log",
            ["Kiln:Sandbox:Programs:rm"] = "",
            ["Kiln:Sandbox:Programs:deno"] = "run",
            ["Kiln:Sandbox:Packages:create-vite"] = "false",
            ["Kiln:Sandbox:Packages:cowsay"] = "true",
            ["Kiln:Sandbox:ExtraWritableDirectories:0"] = "/var/cache/pnpm-store",
            ["Kiln:Sandbox:HiddenPaths:0"] = "/srv/secrets",
        });
        var options = provider.GetRequiredService<IOptions<SandboxOptions>>().Value;

        Assert.Equal("status log", options.Programs["git"]);
        Assert.Equal("", options.Programs["rm"]);
        Assert.Equal("run", options.Programs["deno"]);
        Assert.Contains("install", options.Programs["pnpm"]);
        Assert.False(options.Packages["create-vite"]);
        Assert.True(options.Packages["cowsay"]);
        Assert.True(options.Packages["vite"]);
        Assert.Equal(["/var/cache/pnpm-store"], options.ExtraWritableDirectories);
        // Setting the hidden paths replaces the defaults (so /root can be shown again if node lives there).
        Assert.Equal(["/srv/secrets"], options.EffectiveHiddenPaths);
    }

    [Theory]
    [InlineData("Kiln:Sandbox:DefaultTimeoutSeconds", "0")]
    [InlineData("Kiln:Sandbox:DefaultTimeoutSeconds", "1000")]
    [InlineData("Kiln:Sandbox:MaxOutputBytes", "10")]
    [InlineData("Kiln:Sandbox:MaxProcesses", "1")]
    [InlineData("Kiln:Sandbox:ExtraWritableDirectories:0", "relative/store")]
    [InlineData("Kiln:Sandbox:ExtraWritableDirectories:0", "/")]
    [InlineData("Kiln:Sandbox:HiddenPaths:0", "/")]
    [InlineData("Kiln:Sandbox:Programs:./evil", "*")]
    [InlineData("Kiln:Sandbox:AllowedHosts:0", "https://registry.npmjs.org/")]
    [InlineData("Kiln:Sandbox:AllowedHosts:0", "registry.npmjs.org:0")]
    [InlineData("Kiln:Sandbox:AllowedHosts:0", "*.*.example.com")]
    [InlineData("Kiln:Sandbox:AllowedHosts:0", "*")]
    [InlineData("Kiln:Sandbox:UpstreamProxy", "https://proxy.internal:3128")]
    [InlineData("Kiln:Sandbox:UpstreamProxy", "http://proxy.internal:3128/path")]
    public void Invalid_settings_fail_validation(string key, string value)
    {
        using var provider = Services(new() { [key] = value });

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SandboxOptions>>().Value);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kiln:Sandbox:MaxTimeoutSeconds"] = "0" });
        builder.Services.AddSandbox();
        using var host = builder.Build();

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Host_probes_at_start_and_kills_live_processes_at_shutdown()
    {
        using var workspace = new AppWorkspace();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSandbox();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var runner = host.Services.GetRequiredService<SandboxedProcessRunner>();
        Assert.NotNull(host.Services.GetService<CommandPolicy>());
        var token = Sandboxes.SleepToken();

        var status = await runner.GetStatusAsync(TestContext.Current.CancellationToken);
        var process = await runner.StartAsync(Sandboxes.Spec(workspace, "sleep", token) with { Timeout = null }, TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
        await ((IAsyncDisposable)host).DisposeAsync();

        Assert.NotNull(status.Description);
        Assert.True(process.Exited.IsCompleted);
        Assert.Empty(Sandboxes.ProcessesWith(token));
    }
}

using Kiln.Projects;

namespace Kiln.Agents;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the agents: options from <c>Kiln:Agent</c>, <c>Anthropic</c> (with <c>ANTHROPIC_API_KEY</c> and
    /// <c>ANTHROPIC_BASE_URL</c> as the SDKs read them) and <c>Kiln:Attachments</c>, each validated at start; the
    /// model endpoint and the runtime a generation uses; and the scheduler that queues, runs, fixes and recovers
    /// generations.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AttachmentsOptions>().BindConfiguration(AttachmentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AnthropicOptions>().BindConfiguration(AnthropicOptions.Section).PostConfigure(options =>
        {
            options.ApiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? configuration["ANTHROPIC_API_KEY"] : options.ApiKey;
            options.ApiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? configuration["Kiln:Models:Anthropic:ApiKey"] : options.ApiKey;
            options.BaseUrl ??= Uri.TryCreate(configuration["ANTHROPIC_BASE_URL"] ?? configuration["Kiln:Models:Anthropic:BaseUrl"], UriKind.Absolute, out var url) ? url : null;
        }).ValidateDataAnnotations().ValidateOnStart();

        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section).PostConfigure(options =>
        {
            options.OpenAI.ApiKey = string.IsNullOrWhiteSpace(options.OpenAI.ApiKey) ? configuration["OPENAI_API_KEY"] : options.OpenAI.ApiKey;
            options.OpenAI.BaseUrl ??= Uri.TryCreate(configuration["OPENAI_BASE_URL"], UriKind.Absolute, out var openAI) ? openAI : null;
            options.Ollama.BaseUrl ??= OllamaUrl(configuration["OLLAMA_HOST"]);
        })
            .Validate(options => options.Prices.Values.All(price => price is { Input: >= 0, Output: >= 0, CacheWrite: >= 0, CacheRead: >= 0 }),
                "Kiln:Models:Prices: a price cannot be negative.")
            .ValidateOnStart();
        services.AddSingleton<ModelPrices>();
        services.AddSingleton<ModelEndpointResolver>();
        services.AddHostedService<OfflineModelWarmup>();
        // A generation streams for minutes; the SDK's own timeout governs each request, not HttpClient's.
        services.AddHttpClient(BuiltinAgentRuntime.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(ModelCatalog.HttpClientName, client => client.Timeout = ModelCatalog.ListTimeout);
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<BuiltinAgentRuntime>();
        services.AddSingleton<ClaudeCodeAgentRuntime>();
        services.AddSingleton(AgentRuntimeChoice.Choose);
        services.AddSingleton<AttachmentStore>();
        services.AddSingleton<AppBriefing>();
        services.AddSingleton<GenerationRunner>();
        services.AddSingleton<ErrorFixer>();
        services.AddProjectStateHolder<ErrorFixer>();
        // Started before the scheduler: a generation the last process left running is marked interrupted first.
        services.AddHostedService<ProjectRecovery>();
        services.AddSingleton<GenerationScheduler>();
        services.AddHostedService(provider => provider.GetRequiredService<GenerationScheduler>());
        services.AddProjectStateHolder<GenerationScheduler>();
        services.AddSingleton<GenerationIntake>();
        services.AddSingleton<ImportSetup>();
        services.AddHostedService(provider => provider.GetRequiredService<ImportSetup>());
        services.AddProjectStateHolder<ImportSetup>();
        services.AddSingleton<ImportIntake>();
        return services;
    }

    // OLLAMA_HOST is often written without a scheme or port, as Ollama's own CLI takes it ("0.0.0.0", "127.0.0.1:11434").
    private static Uri? OllamaUrl(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var withScheme = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var url)
            ? new UriBuilder(url) { Port = url.IsDefaultPort && !host.Contains(':', StringComparison.Ordinal) ? 11434 : url.Port }.Uri
            : null;
    }
}

using Kiln.ClaudeAgent;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>Picks the runtime from <see cref="AgentOptions.Runtime"/>, resolving <c>auto</c> once at start.</summary>
public static partial class AgentRuntimeChoice
{
    public static IAgentRuntime Choose(IServiceProvider services)
    {
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var models = services.GetRequiredService<ModelEndpointResolver>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AgentRuntimeChoice));
        var runtime = agent.Runtime switch
        {
            AgentRuntimeNames.Builtin => AgentRuntimeNames.Builtin,
            AgentRuntimeNames.ClaudeCode => AgentRuntimeNames.ClaudeCode,
            _ => !models.UsesOfflineModel && CliInstalled(agent.ClaudePath) ? AgentRuntimeNames.ClaudeCode : AgentRuntimeNames.Builtin,
        };

        LogChosen(logger, runtime, agent.Runtime);
        return runtime == AgentRuntimeNames.ClaudeCode
            ? services.GetRequiredService<ClaudeCodeAgentRuntime>()
            : services.GetRequiredService<BuiltinAgentRuntime>();
    }

    private static bool CliInstalled(string? path)
    {
        try
        {
            CliLocator.Find(path);
            return true;
        }
        catch (CliNotFoundException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Generations run on the {Runtime} runtime (Kiln:Agent:Runtime={Configured})")]
    private static partial void LogChosen(ILogger logger, string runtime, string configured);
}

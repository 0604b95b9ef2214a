using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// The shape the turn's answer must have (the SDKs' <c>outputFormat</c>): the agent ends its turn by
/// producing JSON that the CLI validates, and the result carries it as <see cref="ResultMessage.StructuredOutput"/>.
/// </summary>
public sealed record OutputFormat
{
    private OutputFormat(JsonObject schema) => Schema = schema;

    /// <summary>The JSON Schema the answer must match.</summary>
    public JsonObject Schema { get; }

    /// <summary>An answer matching <paramref name="schema"/>, e.g. <c>{"type":"object","properties":{…},"required":[…]}</c>.</summary>
    public static OutputFormat JsonSchema(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new OutputFormat((JsonObject)schema.DeepClone());
    }
}

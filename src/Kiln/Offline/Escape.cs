using System.Globalization;
using System.Text;

namespace Kiln.Offline;

/// <summary>
/// Makes prompt text safe where it lands. Prompts are hostile input: every piece of one that reaches a
/// generated file goes through here, chosen by the place it lands in (see <see cref="Template"/>).
/// </summary>
internal static class Escape
{
    /// <summary>Text for HTML element content or a double- or single-quoted attribute value.</summary>
    public static string Html(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            var entity = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '`' => "&#96;",
                _ => null,
            };
            if (entity is null)
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(entity);
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// A double-quoted JavaScript string literal. Everything outside printable ASCII, and every character that
    /// could end a string, a template literal or an inline script (quotes, backslash, backtick, &lt;, &gt;, &amp;),
    /// is written as a \u escape, so the literal is safe in a .js file and inside a &lt;script&gt; element alike.
    /// </summary>
    public static string JsString(string text)
    {
        var builder = new StringBuilder(text.Length + 8).Append('"');
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~' and not ('"' or '\'' or '\\' or '`' or '<' or '>' or '&'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }
        return builder.Append('"').ToString();
    }
}

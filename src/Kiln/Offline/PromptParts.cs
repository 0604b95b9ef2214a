using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>Another kind of app a prompt asks for as a part of its app ("a timer with a task list"), in its own words.</summary>
/// <param name="Kind">The part's kind.</param>
/// <param name="Words">How the prompt asked for it: "a task list".</param>
/// <param name="Phrase">The words that named the kind: "task list".</param>
internal sealed record PartRequest(OfflineAppKind Kind, string Words, string Phrase);

/// <summary>
/// What a prompt asks for besides its app's main kind, read from the features it lists ("with a task list and sound",
/// "Add a counter.", "that has …", "where I can …", "a todo list and a timer"): the other kinds it names, which the
/// offline model builds as parts of the same app, and the features it cannot build ("sound"), in the prompt's words.
/// It errs on the side of silence: only listed features count (the subject of "a counter for my todo items" is no
/// feature), and a feature made of looks, filler, stack words or what the app already has is built.
/// </summary>
/// <param name="Parts">The other kinds named, in order, each once; never the main kind.</param>
/// <param name="Missing">The features not built, in the prompt's words, each once.</param>
internal sealed partial record PromptParts(IReadOnlyList<PartRequest> Parts, IReadOnlyList<string> Missing)
{
    /// <summary>The kinds that can be a part of an app of several, or hold such parts: each a component of its own.</summary>
    public static bool Composes(OfflineAppKind kind) =>
        kind is OfflineAppKind.Todo or OfflineAppKind.Notes or OfflineAppKind.Counter or OfflineAppKind.Calculator or OfflineAppKind.Timer;

    private const int MaxMissing = 8;

    /// <param name="reading">The prompt, read.</param>
    /// <param name="main">The app's main kind.</param>
    public static PromptParts Read(PromptReading reading, OfflineAppKind main)
    {
        var parts = new List<PartRequest>();
        var features = new Queue<string>();
        foreach (var sentence in SentenceBreak().Split(reading.Text))
        {
            var (head, tail) = AtFeatures(sentence);
            // "a todo list and a timer": another kind named beside the app's own is a part; the rest of the head is the
            // app and its subject ("for Anna and Ben"), never a feature.
            foreach (var segment in Segments(head).Skip(1))
            {
                if (KindVocabulary.FindPhrase(Cut(segment)) is { } named && named.Kind != main)
                {
                    features.Enqueue(segment);
                }
            }

            foreach (var segment in Segments(tail))
            {
                features.Enqueue(segment);
            }
        }

        // Each feature not built as a part, and whether it names a kind that cannot be one ("a landing page" in a todo app).
        var unmatched = new List<(string Words, bool Kind)>();
        while (features.TryDequeue(out var feature))
        {
            var words = Cut(feature);
            if (KindVocabulary.FindPhrase(words) is { } named && NamesPart(words, named.Phrase))
            {
                // "a task list with priorities": what the part is asked to have is a feature too.
                if (NestedFeatures().Match(feature) is { Success: true } nested)
                {
                    foreach (var segment in Segments(nested.Groups["rest"].Value))
                    {
                        features.Enqueue(segment);
                    }
                }

                if (named.Kind == main)
                {
                    continue;
                }

                if (Composes(main) && Composes(named.Kind))
                {
                    if (parts.All(part => part.Kind != named.Kind))
                    {
                        parts.Add(new PartRequest(named.Kind, Display(words), named.Phrase));
                    }
                }
                else
                {
                    unmatched.Add((words, true));
                }
            }
            else if (Customization.None.Apply(words).Applied.Count == 0) // "dark mode", "a green accent": the app has them
            {
                unmatched.Add((words, false));
            }
        }

        // Whether a feature is built is known once every part is: "add tasks" is built by a task list part.
        var built = parts.Select(part => part.Kind).Append(main).ToList();
        var missing = unmatched
            .Where(feature => feature.Kind || !Words(feature.Words).All(word => IsBuilt(word, built)))
            .Select(feature => Display(feature.Words))
            .Where(words => words.Length > 0)
            .DistinctBy(words => words.ToLowerInvariant())
            .Take(MaxMissing)
            .ToList();
        return new PromptParts(parts, missing);
    }

    private static bool IsBuilt(string word, List<OfflineAppKind> built) =>
        FeatureVocabulary.IsCovered(word, built) || KindVocabulary.FindPhrase(word) is { } named && built.Contains(named.Kind);

    /// <summary>
    /// Whether the feature is the kind itself ("a simple task list", "a red counter"), not something done with it
    /// ("share notes with friends", "export tasks"): nothing but filler and looks before the kind's words.
    /// </summary>
    private static bool NamesPart(string words, string phrase) =>
        Words(words[..words.IndexOf(phrase, StringComparison.OrdinalIgnoreCase)]).All(word => FeatureVocabulary.IsCovered(word, []));

    /// <summary>
    /// The sentence before its list of features, and the list; null when it lists none. A relative clause that comes
    /// first keeps its "with" ("a todo app that syncs with my calendar" lists nothing).
    /// </summary>
    private static (string Head, string? Tail) AtFeatures(string sentence)
    {
        foreach (Match lead in FeatureLead().Matches(sentence))
        {
            var before = sentence[..lead.Index];
            if (RelativeClause().Match(before) is { Success: true } clause)
            {
                return (before[..clause.Index], null);
            }

            // "working with my team", "shared with friends", "help me with": a verb's "with", not a list of features.
            if (lead.Value.Equals("with", StringComparison.OrdinalIgnoreCase) && VerbBeforeWith().IsMatch(before))
            {
                continue;
            }

            return (before, sentence[(lead.Index + lead.Length)..]);
        }

        return RelativeClause().Match(sentence) is { Success: true } relative ? (sentence[..relative.Index], null) : (sentence, null);
    }

    /// <summary>
    /// A list split at commas, "and", "plus", "&amp;": "a task list and sound" is two. Inside a qualifier ("for work and
    /// home", "with Google and GitHub") only a new noun phrase starts another ("for groceries and a timer").
    /// </summary>
    private static IEnumerable<string> Segments(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        var joined = Pair().Replace(ListJoiner().Replace(text, " , "), "$1-and-$2");
        var tokens = Token().Matches(joined).Select(match => match.Value).ToList();
        var current = new List<string>();
        var qualified = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token is "," or "&" or "+" || token.Equals("and", StringComparison.OrdinalIgnoreCase) || token.Equals("plus", StringComparison.OrdinalIgnoreCase))
            {
                if (!qualified || (i + 1 < tokens.Count && Determiner().IsMatch(tokens[i + 1])))
                {
                    if (current.Count > 0)
                    {
                        yield return string.Join(' ', current);
                    }

                    current.Clear();
                    qualified = false;
                }
                else
                {
                    current.Add(token);
                }

                continue;
            }

            qualified |= Qualifier().IsMatch(token) && current.Count > 0;
            current.Add(token);
        }

        if (current.Count > 0)
        {
            yield return string.Join(' ', current);
        }
    }

    /// <summary>A feature up to where its clause or qualifier starts: "categories for work and home" is "categories".</summary>
    private static string Cut(string feature) =>
        ClauseStart().Match(feature) is { Success: true, Index: > 0 } start ? feature[..start.Index].Trim() : feature.Trim();

    /// <summary>The feature as the summary quotes it: the prompt's words, without leading "also", "and" or trailing filler.</summary>
    private static string Display(string words)
    {
        var list = words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => word.Trim(',', '.', ':', '"', '“', '”')).Where(word => word.Length > 0).ToList();
        while (list.Count > 0 && Leading().IsMatch(list[0]))
        {
            list.RemoveAt(0);
        }

        while (list.Count > 0 && FeatureVocabulary.IsFiller(list[^1]))
        {
            list.RemoveAt(list.Count - 1);
        }

        return PromptText.Cap(string.Join(' ', list).Replace("-and-", " and ", StringComparison.Ordinal), PromptText.MaxTitleLength);
    }

    private static string[] Words(string text) => text.Split([' ', '/'], StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"[!?;\n]+|\.(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceBreak();

    // What starts a list of features: "with", "including", "add", "that has", "where I can", "it should have", ….
    [GeneratedRegex(
        @"\b(?:with|including|featuring|add|(?:that|which)\s+(?:has|have|includes?|shows?|supports?|plays?|comes?\s+with)" +
        @"|(?:that|which)\s+(?:lets?|allows?)\s+(?:me|you|us|users?|people|them)(?:\s+to)?|(?:that|which)\s+(?:can|will|should|must)" +
        @"|where\s+(?:i|you|we|users?|people)\s+can|so\s+(?:that\s+)?(?:i|you|we|users?|people)\s+can" +
        @"|(?:it\s+)?(?:should|must|needs?\s+to|has\s+to)\s+(?:also\s+)?(?:have|has|include|show|support|play)|it\s+(?:also\s+)?(?:has|needs|includes))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FeatureLead();

    [GeneratedRegex(@"\b(?:that|which|who|where|so|when|whenever|because|if)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativeClause();

    [GeneratedRegex(@"\b(?:help|me|us|them|it|share[sd]?|sharing|syncs?|synced|syncing|works?|working|plays?|playing|integrates?|integrated|connects?|connected|compatible|familiar|together|along|packed|filled|loaded|built|made|chat|chatting|talk|talking)\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VerbBeforeWith();

    [GeneratedRegex(@"\bwith\s+(?<rest>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex NestedFeatures();

    [GeneratedRegex(@"\b(?:as\s+well\s+as|along\s+with|together\s+with)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ListJoiner();

    // Pairs that are one thing: "drag and drop" is one feature, not "drag" and "drop".
    [GeneratedRegex(@"\b(drag|copy|cut|pros|black|read|rock|salt|pen|dos)\s+(?:and|&|n)\s+(drop|paste|cons|white|write|roll|pepper|paper|don'?ts)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pair();

    [GeneratedRegex(@"[,&+]|[^\s,&+]+", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    [GeneratedRegex(@"^(?:a|an|the|some|my|our|your)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Determiner();

    [GeneratedRegex(@"^(?:for|of|about|between|from|like|such|including|with|e\.g\.?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Qualifier();

    [GeneratedRegex(@"\s(?:when|whenever|if|that|which|who|where|so|because|to|for)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseStart();

    [GeneratedRegex(@"^(?:and|also|plus|then|maybe|optionally|perhaps|even|please)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Leading();
}

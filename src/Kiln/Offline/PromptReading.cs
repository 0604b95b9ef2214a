using System.Text.RegularExpressions;

namespace Kiln.Offline;

/// <summary>Where a prompt's subject came from, which decides how a title is worded.</summary>
internal enum SubjectSource
{
    None,

    /// <summary>"an app to track my workouts": the app is a tracker of the subject.</summary>
    Purpose,

    /// <summary>"a recipe tracker", "a grocery todo list": the words the prompt uses for the app itself.</summary>
    Phrase,

    /// <summary>"a todo app for my groceries", "a landing page for Crumb &amp; Co bakery".</summary>
    Topic,
}

/// <summary>What one prompt says: the kind of app it names, what the app is about, and what it is called.</summary>
/// <param name="Text">The prompt, cleaned, without the free text it quotes (a name, a footer, a note).</param>
/// <param name="Kind">The kind the prompt names, or <see cref="OfflineAppKind.Default"/>.</param>
/// <param name="NamesKind">Whether a specific phrase named the kind ("todo", "calculator"), not a vague "website".</param>
/// <param name="AsksToSwitch">Whether the prompt reads as "turn it into a …" when it is a follow-up.</param>
/// <param name="Subject">What the app is about, in the prompt's own words ("groceries", "Crumb &amp; Co bakery"); empty when none.</param>
/// <param name="Source">Where <paramref name="Subject"/> came from.</param>
/// <param name="Name">The name the prompt gives the app ("called Crumb &amp; Co"), if any.</param>
/// <param name="Description">What the subject does, for a landing page's tagline ("helps teams plan sprints"), if said.</param>
internal sealed partial record PromptReading(
    string Text,
    OfflineAppKind Kind,
    bool NamesKind,
    bool AsksToSwitch,
    string Subject,
    SubjectSource Source,
    string? Name,
    string? Description)
{
    public static PromptReading Read(string prompt)
    {
        var text = PromptText.Clean(prompt);
        var name = PromptText.FindName(text);
        var intent = PromptText.WithoutFreeText(text);
        var (kind, namesKind) = KindVocabulary.Find(intent);
        var (subject, source) = FindSubject(intent, preferTopic: kind == OfflineAppKind.Landing);
        return new PromptReading(intent, kind, namesKind, KindVocabulary.AsksToSwitch(intent), subject, source, name, FindDescription(intent));
    }

    /// <summary>The app's title for a kind: its given name, else the subject with the kind's noun ("Groceries Todo").</summary>
    public string TitleFor(OfflineAppKind kind)
    {
        if (Name is not null)
        {
            return Name;
        }
        // Kinds whose title ends in their own noun drop it from the subject ("meeting notes" + " Notes").
        var subject = PromptText.TitleCase(kind is OfflineAppKind.Landing or OfflineAppKind.Default ? Subject : SubjectWithoutKindWords);
        var title = (kind, subject.Length > 0) switch
        {
            (OfflineAppKind.Todo, true) => $"{subject} Todo",
            (OfflineAppKind.Todo, false) => "Todo List",
            (OfflineAppKind.Notes, true) => $"{subject} Notes",
            (OfflineAppKind.Notes, false) => "Notes",
            (OfflineAppKind.Counter, true) => $"{subject} Counter",
            (OfflineAppKind.Counter, false) => "Counter",
            (OfflineAppKind.Calculator, true) => $"{subject} Calculator",
            (OfflineAppKind.Calculator, false) => "Calculator",
            (OfflineAppKind.Timer, true) => $"{subject} Timer",
            (OfflineAppKind.Timer, false) => "Focus Timer",
            (OfflineAppKind.Landing, true) => LandingCopy.Brand(Subject) is { } brand ? brand : subject,
            (OfflineAppKind.Landing, false) => "Your Big Idea",
            (_, true) => Source == SubjectSource.Purpose ? $"{subject} Tracker" : subject,
            (_, false) => "My Collection",
        };
        return PromptText.Cap(title, PromptText.MaxTitleLength);
    }

    private const string SubjectEnd =
        @"(?=\s*(?:[,;:!?()\n]|\.(?:\s|$)|$)|\s+(?:with|that|which|who|where|when|using|so|to|but|please|called|named|titled" +
        @"|and\s+(?:make|add|give|use|let|include|it|then|show|keep)|in\s+(?:a\s+)?(?:dark|light|" + AccentColour.Names + @")" +
        // "a todo app for groceries and a timer": the app's next part is no part of its subject.
        @"|and\s+an?\s+(?:[\w-]+\s+)?(?:" + KindVocabulary.Phrases + @"))\b)";

    [GeneratedRegex(
        @"\bto\s+(?:help\s+(?:me\s+|us\s+)?)?(?:track|manage|organi[sz]e|keep\s+track\s+of|log|plan|store|save|collect|record|remember|catalog(?:ue)?|count)\s+(?:all\s+)?(?:of\s+)?(?:how\s+(?:many|much)\s+|the\s+number\s+of\s+)?(?<s>[^,;:!?()\n]{1,80}?)" + SubjectEnd,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PurposeSubject();

    [GeneratedRegex(
        @"\b(?:for|about|(?:list|collection|log|library|catalog(?:ue)?|inventory)\s+of)\s+(?<s>[^,;:!?()\n]{1,80}?)" + SubjectEnd,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TopicSubject();

    // The words before the first of these are the prompt's own name for the app ("a recipe tracker app for …").
    [GeneratedRegex(@"[,;:!?()\n]|\.(?:\s|$)|\s(?:for|about|with|that|which|who|where|to|called|named|titled|using|so|in|of|on)\s",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseEnd();

    [GeneratedRegex(
        @"\b(?:that|which|who|where|to)\s+(?<d>(?:helps?|lets?|makes?|allows?|sells?|bakes?|offers?|provides?|teaches?|connects?|turns?|finds?|brings?|serves?|builds?|delivers?|creates?|gives?|saves?|roasts?|brews?|cooks?|designs?|fixes|repairs?|cleans?|hosts?|grows?|ships?|plans?|tracks?|writes?|shares?)\b[^.!?\n]{2,110})",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DescriptionClause();

    // What an app is for ("to track my workouts") says most; then, for most kinds, the prompt's own name for the app
    // ("a recipe tracker"), and last what it is for ("for my groceries"). A landing page is about who it is for
    // ("a wedding website for Anna and Ben"), so there the topic comes before the phrase.
    private static (string Subject, SubjectSource Source) FindSubject(string text, bool preferTopic)
    {
        if (PurposeSubject().Match(text) is { Success: true } purpose && Tidy(purpose.Groups["s"].Value) is { Length: > 0 } tracked)
        {
            return (tracked, SubjectSource.Purpose);
        }
        var phrase = Tidy(PhraseWords(text));
        if (!preferTopic && phrase.Length > 0)
        {
            return (phrase, SubjectSource.Phrase);
        }
        foreach (Match topic in TopicSubject().Matches(text))
        {
            var words = topic.Groups["s"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0 && !NotASubject.Contains(words[0]) && Tidy(topic.Groups["s"].Value) is { Length: > 0 } subject)
            {
                return (subject, SubjectSource.Topic);
            }
        }
        return phrase.Length > 0 ? (phrase, SubjectSource.Phrase) : ("", SubjectSource.None);
    }

    private static string PhraseWords(string text)
    {
        var clause = ClauseEnd().Match(text) is { Success: true } end ? text[..end.Index] : text;
        var words = clause.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Trim(EdgePunctuation))
            .Where(word => word.Length > 0 && !Filler.Contains(word) && !KindVocabulary.IsKindWord(word)
                && !(AccentColour.Find(word) is not null && !word.Any(char.IsUpper)))
            .Take(4);
        return string.Join(' ', words);
    }

    private static string? FindDescription(string text) =>
        DescriptionClause().Match(text) is { Success: true } match
            ? PromptText.Cap(PromptText.Unquote(match.Groups["d"].Value), PromptText.MaxTextLength)
            : null;

    /// <summary>Drops the determiners in front ("my", "the") and generic words behind ("app", "website").</summary>
    private static string Tidy(string phrase)
    {
        var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => word.Trim(EdgePunctuation)).ToList();
        while (words.Count > 0 && (words[0].Length == 0 || Determiners.Contains(words[0])))
        {
            words.RemoveAt(0);
        }
        while (words.Count > 0 && (words[^1].Length == 0 || GenericNouns.Contains(words[^1])))
        {
            words.RemoveAt(words.Count - 1);
        }
        return PromptText.Cap(string.Join(' ', words.Take(6)), PromptText.MaxTitleLength);
    }

    /// <summary>The subject without the kind's own words at its end: "meeting notes" is "meeting" for a notes app.</summary>
    public string SubjectWithoutKindWords
    {
        get
        {
            var words = Subject.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            while (words.Count > 1 && (KindVocabulary.IsKindWord(words[^1]) || words[^1].Equals("list", StringComparison.OrdinalIgnoreCase)))
            {
                words.RemoveAt(words.Count - 1);
            }
            return string.Join(' ', words);
        }
    }

    private static readonly char[] EdgePunctuation = ['"', '\'', '“', '”', '‘', '’', '«', '»', '.', ',', '!', '?', ';', ':', '(', ')', '[', ']', '{', '}', '*', '_'];

    private static readonly HashSet<string> NotASubject = new(StringComparer.OrdinalIgnoreCase)
        { "me", "us", "myself", "ourselves", "you", "free", "now", "later", "fun", "it", "this" };

    private static readonly HashSet<string> Determiners = new(StringComparer.OrdinalIgnoreCase)
        { "my", "our", "your", "a", "an", "the", "his", "her", "their", "some", "all", "these", "those", "this", "that", "of", "me", "us" };

    private static readonly HashSet<string> GenericNouns = new(StringComparer.OrdinalIgnoreCase)
        { "app", "apps", "application", "website", "site", "page", "webpage", "web", "project", "tool", "thing", "stuff", "please" };

    private static readonly HashSet<string> Filler = new(StringComparer.OrdinalIgnoreCase)
    {
        "build", "create", "make", "generate", "write", "design", "code", "develop", "give", "get", "want", "need", "like",
        "would", "could", "can", "should", "please", "i", "i'd", "i'm", "me", "us", "we", "you", "a", "an", "the", "my", "our",
        "your", "some", "simple", "basic", "small", "tiny", "little", "quick", "nice", "beautiful", "pretty", "modern", "clean",
        "minimal", "minimalist", "sleek", "cool", "awesome", "good", "great", "new", "fancy", "fun", "single", "one", "web",
        "app", "apps", "application", "page", "site", "website", "webpage", "tool", "html", "css", "js", "javascript", "static",
        "responsive", "mobile", "just", "very", "super", "really", "something", "thing", "stuff", "hey", "hi", "hello", "okay",
        "ok", "now", "also", "that", "this", "it", "is", "be", "let's", "lets", "let", "and", "or", "help", "dark", "light",
        "mode", "theme", "plain", "turn", "into", "change", "convert", "switch", "transform", "instead", "actually", "rather", "rebuild", "redo", "vanilla", "interactive", "working", "functional", "kiln", "can't", "don't",
    };
}

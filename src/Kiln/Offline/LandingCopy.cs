namespace Kiln.Offline;

/// <summary>
/// The words on a landing page, chosen by what kind of business or project the subject is ("bakery" reads as food,
/// "startup" as software). Copy is written here as plain text and escaped where it is placed.
/// </summary>
internal sealed record LandingCopy(
    AccentColour Accent,
    string Eyebrow,
    string Tagline,
    string PrimaryAction,
    string SecondaryAction,
    string FeaturesHeading,
    IReadOnlyList<(string Heading, string Text)> Features,
    string SignupHeading,
    string SignupText)
{
    /// <summary>
    /// The copy for a subject such as "Crumb &amp; Co bakery" or "productivity app"; when the subject names no
    /// business, the first one the whole prompt mentions ("a portfolio for Jane Doe") decides.
    /// </summary>
    public static LandingCopy For(string title, string subject, string? description, string prompt)
    {
        var business = Business(subject) ?? FirstBusiness(prompt);
        var category = business is null ? Category.General : Categories[business];
        var noun = business ?? "";
        var tagline = description is not null ? Sentence(description) : category switch
        {
            Category.Food => $"A neighbourhood {noun} serving good food, made from scratch with care.",
            Category.Software => $"{PromptText.Article(noun, capital: true)} {noun} that gets out of your way, so you can do your best work.",
            Category.Shop => $"{PromptText.Article(noun, capital: true)} {noun} full of things chosen with care, and people happy to help.",
            Category.Service => $"{PromptText.Article(noun, capital: true)} {noun} that puts people first, from the first hello to the last detail.",
            Category.Personal => "Selected work, a little about me, and the best way to get in touch.",
            Category.Event => $"Join us for {title}: good people, good ideas, and time well spent.",
            _ => $"{title}: everything you need to know, in one place.",
        };
        // The subject's own words when they describe the business ("Productivity App"), not when they name it ("Crumb & Co bakery").
        var describes = Business(subject) is not null && Brand(subject) is null && subject.Split(' ').Length <= 4;
        var eyebrow = business is null ? "Welcome" : PromptText.TitleCase(describes ? subject : business);
        return category switch
        {
            Category.Food => new(AccentColour.Orange, eyebrow, tagline, "Hear about specials", "What we make", "Why people keep coming back",
                [("Made fresh daily", "Everything is prepared in small batches, from scratch, every single day."),
                 ("Good ingredients", "We work with nearby growers and makers, so what you taste is in season."),
                 ("Order ahead", "Tell us what you'd like and pick it up when it suits you, no queue.")],
                "Hear about new specials", "One short email when something new comes out of the kitchen. No spam, ever."),
            Category.Software => new(AccentColour.Indigo, eyebrow, tagline, "Get early access", "See features", "Built for the way you work",
                [("Fast by default", "Opens instantly and stays quick, even when your work grows."),
                 ("Works everywhere", "Phone, tablet or desktop: pick up exactly where you left off."),
                 ("Private and secure", "Your data is yours. No tracking, no selling, no surprises.")],
                "Be the first to try it", "Join the early-access list and we'll send you an invite as soon as it's ready."),
            Category.Shop => new(AccentColour.Pink, eyebrow, tagline, "Hear about new arrivals", "Why shop with us", "Why shop with us",
                [("Chosen with care", "Every item is picked by hand, so the shelves only hold things we love."),
                 ("Friendly advice", "Not sure what you need? Ask us. We're happy to help you find it."),
                 ("Easy pickup", "Reserve online and collect in store whenever it suits you.")],
                "Get first look at new arrivals", "A short note when new things arrive. Unsubscribe any time."),
            Category.Service => new(AccentColour.Teal, eyebrow, tagline, "Get in touch", "What to expect", "What you can expect",
                [("Experienced people", "Years of practice, and the care to get the small things right."),
                 ("Made for you", "Every visit starts with listening, so the result fits you."),
                 ("Easy booking", "Pick a time that works for you; we'll confirm it the same day.")],
                "Stay in touch", "Occasional news, openings and offers. Unsubscribe any time."),
            Category.Personal => new(AccentColour.Slate, "Hello", tagline, "Get in touch", "What I do", "What I do",
                [("Work", "A few projects I'm proud of, with what I learned along the way."),
                 ("Writing", "Notes on craft, tools and ideas worth sharing."),
                 ("Collaboration", "Open to interesting projects and good conversations.")],
                "Let's talk", "Leave your email and I'll get back to you."),
            Category.Event => new(AccentColour.Purple, eyebrow, tagline, "Get the details", "What's in store", "What's in store",
                [("Great sessions", "Talks and workshops from people who do the work."),
                 ("Real connections", "Time set aside to meet people, not just listen to them."),
                 ("Easy to join", "Clear details, simple sign-up, and reminders before it starts.")],
                "Get the details first", "Leave your email for dates, tickets and the programme as soon as they're out."),
            _ => new(AccentColour.Purple, eyebrow, tagline, "Stay in the loop", "Learn more", "Why " + title,
                [("Clear and simple", "Everything important on one page, without the noise."),
                 ("Made with care", "Every detail is considered, from the first look to the last click."),
                 ("Here to help", "Questions? Reach out, and a real person will answer.")],
                "Stay in the loop", "Leave your email to hear about what's next."),
        };
    }

    /// <summary>The proper name in a subject like "Crumb &amp; Co bakery" ("Crumb &amp; Co"), or null when there is none.</summary>
    public static string? Brand(string subject)
    {
        var business = Business(subject);
        if (business is null)
        {
            return null;
        }
        // "Crumb & Co bakery" splits into a name and a business; "Blue Bottle Coffee" is a name throughout.
        var rest = subject[..^business.Length].TrimEnd();
        return rest.Length > 0 && char.IsUpper(rest[0]) && !subject[^business.Length..].Any(char.IsUpper) ? rest : null;
    }

    /// <summary>The kind of business the subject ends with ("bakery", "coffee shop"), or null.</summary>
    public static string? Business(string subject)
    {
        var words = subject.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var take = Math.Min(3, words.Length); take >= 1; take--)
        {
            var tail = string.Join(' ', words[^take..]);
            if (Categories.ContainsKey(tail))
            {
                return tail;
            }
        }
        return null;
    }

    private static string? FirstBusiness(string text)
    {
        var words = text.ToLowerInvariant().Split([' ', ',', '.', '!', '?', ';', ':', '\n'], StringSplitOptions.RemoveEmptyEntries);
        for (var start = 0; start < words.Length; start++)
        {
            for (var take = Math.Min(3, words.Length - start); take >= 1; take--)
            {
                var phrase = string.Join(' ', words[start..(start + take)]);
                if (Categories.ContainsKey(phrase) && phrase is not ("me" or "myself"))
                {
                    return phrase;
                }
            }
        }
        return null;
    }

    private static string Sentence(string text) =>
        string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1)).TrimEnd('.') + ".";

    private enum Category { General, Food, Software, Shop, Service, Personal, Event }

    private static readonly Dictionary<string, Category> Categories = new()
    {
        ["bakery"] = Category.Food, ["bakeshop"] = Category.Food, ["patisserie"] = Category.Food, ["cafe"] = Category.Food,
        ["café"] = Category.Food, ["coffee shop"] = Category.Food, ["coffee"] = Category.Food, ["roastery"] = Category.Food,
        ["restaurant"] = Category.Food, ["bistro"] = Category.Food, ["diner"] = Category.Food, ["pizzeria"] = Category.Food,
        ["bar"] = Category.Food, ["pub"] = Category.Food, ["brewery"] = Category.Food, ["winery"] = Category.Food,
        ["deli"] = Category.Food, ["food truck"] = Category.Food, ["kitchen"] = Category.Food, ["catering"] = Category.Food,
        ["tea shop"] = Category.Food, ["tea room"] = Category.Food, ["ice cream shop"] = Category.Food, ["juice bar"] = Category.Food,
        ["chocolatier"] = Category.Food, ["food"] = Category.Food,
        ["app"] = Category.Software, ["startup"] = Category.Software, ["saas"] = Category.Software, ["software"] = Category.Software,
        ["platform"] = Category.Software, ["tool"] = Category.Software, ["api"] = Category.Software, ["product"] = Category.Software,
        ["extension"] = Category.Software, ["plugin"] = Category.Software, ["game"] = Category.Software, ["service"] = Category.Software,
        ["shop"] = Category.Shop, ["store"] = Category.Shop, ["boutique"] = Category.Shop, ["bookshop"] = Category.Shop,
        ["bookstore"] = Category.Shop, ["florist"] = Category.Shop, ["market"] = Category.Shop, ["gallery"] = Category.Shop,
        ["agency"] = Category.Service, ["studio"] = Category.Service, ["consultancy"] = Category.Service, ["firm"] = Category.Service,
        ["salon"] = Category.Service, ["barbershop"] = Category.Service, ["barber"] = Category.Service, ["spa"] = Category.Service,
        ["gym"] = Category.Service, ["clinic"] = Category.Service, ["practice"] = Category.Service, ["photography"] = Category.Service,
        ["plumbing"] = Category.Service, ["school"] = Category.Service, ["academy"] = Category.Service, ["course"] = Category.Service,
        ["hotel"] = Category.Service, ["farm"] = Category.Service, ["business"] = Category.Service, ["company"] = Category.Service,
        ["portfolio"] = Category.Personal, ["resume"] = Category.Personal, ["cv"] = Category.Personal, ["blog"] = Category.Personal,
        ["myself"] = Category.Personal, ["me"] = Category.Personal,
        ["conference"] = Category.Event, ["meetup"] = Category.Event, ["wedding"] = Category.Event, ["festival"] = Category.Event,
        ["party"] = Category.Event, ["concert"] = Category.Event, ["event"] = Category.Event, ["hackathon"] = Category.Event,
    };
}

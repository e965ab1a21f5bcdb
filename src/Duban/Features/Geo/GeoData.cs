using System.Diagnostics;
using System.Reflection;

namespace Duban.Features.Geo;

/// <summary>Builds a <see cref="Gazetteer"/> from the data files shipped inside the executable.</summary>
public static class GeoData
{
    private static Stream Resource(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("Duban.Geo." + name)
        ?? throw new InvalidOperationException($"data/geo/{name} is not embedded in Duban");

    public static NameForms LoadForms()
    {
        using var reader = new StreamReader(Resource("forms.tsv"));
        return NameForms.Parse(reader);
    }

    private static readonly Lazy<char[]> FoldTable = new(() =>
    {
        var map = new char[char.MaxValue + 1];
        for (var c = 0; c <= char.MaxValue; c++) map[c] = (char)c;
        using var reader = new StreamReader(Resource("traditional.tsv"));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            if (line is not [var t, '\t', var simplified]) throw new InvalidDataException($"traditional.tsv: \"{line}\" is not one character, a tab, one character");
            map[t] = simplified;
        }
        return map;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Traditional characters to simplified ones (data/geo/traditional.tsv): 臺山 → 台山.</summary>
    public static char[] Fold => FoldTable.Value;

    /// <summary>The aliases shipped in data/geo/aliases.tsv.</summary>
    public static IReadOnlyList<(string Alias, string Code)> ShippedAliases()
    {
        using var reader = new StreamReader(Resource("aliases.tsv"));
        var list = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            if (cells.Length < 2) throw new InvalidDataException($"aliases.tsv: \"{line}\" has no code");
            list.Add((cells[0], cells[1]));
        }
        return list;
    }

    /// <summary>The divisions, forms and name index: the same for every host in the process, so loaded once.</summary>
    public sealed record Base(Divisions Divisions, NameForms Forms, NameIndex Names, TimeSpan LoadTime);

    private static readonly Lazy<Base> Shared = new(Read, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Reads and indexes the shipped data afresh (the process's copy is <see cref="Loaded"/>); bench geo times it.</summary>
    internal static Base Read()
    {
        var watch = Stopwatch.StartNew();
        var forms = LoadForms();
        Divisions divisions;
        using (var stream = Resource("divisions.txt.br")) divisions = Divisions.Load(stream, forms.Placeholders);
        var names = Gazetteer.IndexNames(divisions, forms);
        return new Base(divisions, forms, names, watch.Elapsed);
    }

    /// <summary>The process's divisions and name index, loaded by the first caller.</summary>
    public static Base Loaded => Shared.Value;

    /// <summary>A gazetteer over the loaded data with the shipped aliases and <paramref name="extraAliases"/>.</summary>
    public static Gazetteer Load(string? homeCity, IEnumerable<(string Alias, string Code)> extraAliases)
    {
        var b = Loaded;
        var aliases = Gazetteer.IndexAliases(b.Divisions, ShippedAliases().Concat(extraAliases));
        return new Gazetteer(b.Divisions, b.Forms, b.Names, aliases, homeCity);
    }
}

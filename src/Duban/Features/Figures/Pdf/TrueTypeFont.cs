using System.Buffers.Binary;
using System.Text;
using Duban.Common;

namespace Duban.Features.Figures.Pdf;

/// <summary>
/// Just enough of a TrueType font (one face of a .ttf, or of a .ttc collection) to lay out text
/// and embed it in a PDF: the character map (cmap formats 4 and 12), the advance widths (hmtx),
/// the metrics the PDF font descriptor wants (head, hhea, OS/2, post), and a subset of the glyph
/// outlines (glyf/loca). Only TrueType outlines: a font with CFF outlines (OpenType 'OTTO', such
/// as Debian's Noto CJK) is refused with <see cref="InvalidDataException"/> saying so, because its
/// outlines are a different format that this subsetter does not cut. Immutable once read.
/// </summary>
public sealed class TrueTypeFont
{
    private const uint CollectionTag = 0x74746366; // 'ttcf'
    private const uint OpenTypeCffTag = 0x4F54544F; // 'OTTO'

    private static readonly string[] RequiredEmbedded = ["head", "hhea", "maxp", "hmtx", "loca", "glyf"];
    private static readonly string[] Required = [.. RequiredEmbedded, "cmap"];

    private readonly byte[] file;
    private readonly Dictionary<string, (int Offset, int Length)> tables;
    private readonly int[] glyphOffsets; // numGlyphs + 1 entries, from loca, relative to glyf
    private readonly ushort[] advances; // per glyph, font units
    private readonly Dictionary<int, ushort> characters; // code point → glyph id
    private readonly int glyfOffset, glyfLength;

    /// <summary>The family name (name ID 1).</summary>
    public string Family { get; }

    /// <summary>The PostScript name (name ID 6), or the family without spaces: the font's name in a PDF.</summary>
    public string PostScriptName { get; }

    public int UnitsPerEm { get; }
    public int GlyphCount { get; }
    /// <summary>hhea ascender, descender (negative) and line gap, font units.</summary>
    public int Ascender { get; }
    public int Descender { get; }
    public int LineGap { get; }
    /// <summary>head's bounding box of all glyphs, font units.</summary>
    public (int XMin, int YMin, int XMax, int YMax) BoundingBox { get; }
    /// <summary>OS/2 sCapHeight (version 2 and later), else the ascender.</summary>
    public int CapHeight { get; }
    /// <summary>OS/2 usWeightClass (400 regular), 400 without OS/2.</summary>
    public int WeightClass { get; }
    public double ItalicAngle { get; }
    public bool IsFixedPitch { get; }

    private TrueTypeFont(byte[] file, int faceOffset, bool embedded)
    {
        this.file = file;
        var version = U32(faceOffset);
        tables = ReadDirectory(file, faceOffset);
        if (version == OpenTypeCffTag || tables.ContainsKey("CFF ") || tables.ContainsKey("CFF2"))
            throw new InvalidDataException("has CFF (PostScript) outlines (OpenType 'OTTO'), which Duban cannot subset; use a font with TrueType outlines such as fonts-wqy-microhei");
        foreach (var required in embedded ? RequiredEmbedded : Required)
        {
            if (!tables.ContainsKey(required)) throw new InvalidDataException($"is not a TrueType font: it has no '{required}' table");
        }
        // The fixed-size tables are read (and head written) at fixed offsets: too short is refused here, once, not per document.
        foreach (var (name, least) in new[] { ("head", 54), ("hhea", 36), ("maxp", 6) })
        {
            if (tables[name].Length < least) throw new InvalidDataException($"has a '{name}' table of {tables[name].Length} bytes, shorter than {least}");
        }

        var head = tables["head"].Offset;
        UnitsPerEm = U16(head + 18);
        if (UnitsPerEm is < 16 or > 16384) throw new InvalidDataException("has an impossible unitsPerEm");
        BoundingBox = (I16(head + 36), I16(head + 38), I16(head + 40), I16(head + 42));
        var longLoca = I16(head + 50) == 1;

        GlyphCount = U16(tables["maxp"].Offset + 4);
        var hhea = tables["hhea"].Offset;
        Ascender = I16(hhea + 4);
        Descender = I16(hhea + 6);
        LineGap = I16(hhea + 8);
        var metrics = U16(hhea + 34);
        if (metrics < 1 || metrics > GlyphCount || metrics * 4 > tables["hmtx"].Length) throw new InvalidDataException("has a broken hmtx table");

        var hmtx = tables["hmtx"].Offset;
        advances = new ushort[GlyphCount];
        for (var g = 0; g < GlyphCount; g++) advances[g] = U16(hmtx + 4 * Math.Min(g, metrics - 1));

        (glyfOffset, glyfLength) = tables["glyf"];
        var loca = tables["loca"];
        if (loca.Length < (GlyphCount + 1) * (longLoca ? 4 : 2)) throw new InvalidDataException("has a loca table too short for its glyphs");
        glyphOffsets = new int[GlyphCount + 1];
        for (var g = 0; g <= GlyphCount; g++)
        {
            var at = longLoca ? (long)U32(loca.Offset + 4 * g) : 2L * U16(loca.Offset + 2 * g);
            glyphOffsets[g] = (int)Math.Min(at, glyfLength);
        }

        CapHeight = Ascender;
        WeightClass = 400;
        if (tables.TryGetValue("OS/2", out var os2) && os2.Length >= 78)
        {
            WeightClass = U16(os2.Offset + 4);
            if (U16(os2.Offset) >= 2 && os2.Length >= 90) CapHeight = I16(os2.Offset + 88);
        }
        if (tables.TryGetValue("post", out var post) && post.Length >= 16)
        {
            ItalicAngle = (int)U32(post.Offset + 4) / 65536.0;
            IsFixedPitch = U32(post.Offset + 12) != 0;
        }

        characters = embedded && !tables.ContainsKey("cmap") ? [] : ReadCharacterMap();
        Family = Name(1) ?? "";
        var ps = Name(6);
        PostScriptName = string.IsNullOrWhiteSpace(ps) ? new string(Family.Where(c => c > ' ' && c < 127 && !"()<>[]{}/%".Contains(c)).ToArray()) : ps;
        if (PostScriptName.Length == 0) PostScriptName = "Font";
    }

    /// <summary>
    /// Reads a font file: a single face, or from a collection (.ttc) its Simplified Chinese face
    /// (the family ending in " SC"), else its first.
    /// </summary>
    /// <exception cref="InvalidDataException">not a TrueType font, broken, or with CFF outlines (the message says which).</exception>
    public static TrueTypeFont Load(byte[] file) => Load(file, embedded: false);

    /// <summary>
    /// <see cref="Load"/> or <see cref="LoadEmbedded"/> as a result: the font, or a validation error
    /// saying what is wrong with the file. Whatever the bytes, no exception (the property tests and
    /// the fuzz harness hold it to that).
    /// </summary>
    public static Result<TrueTypeFont> Read(byte[] file, bool embedded = false)
    {
        try
        {
            return Load(file, embedded);
        }
        catch (InvalidDataException e)
        {
            return Error.Validation(e.Message); // "is not a TrueType font: …", "has CFF …": said of the file's name
        }
    }

    /// <summary>Reads a font as a PDF embeds it (a subset): no character map needed, the PDF maps codes to glyphs itself.</summary>
    public static TrueTypeFont LoadEmbedded(byte[] file) => Load(file, embedded: true);

    private static TrueTypeFont Load(byte[] file, bool embedded)
    {
        try
        {
            if (file.Length < 12) throw new InvalidDataException("is too short for a font");
            if (BinaryPrimitives.ReadUInt32BigEndian(file) != CollectionTag) return new TrueTypeFont(file, 0, embedded);
            var count = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
            if (count is < 1 or > 256) throw new InvalidDataException("is not a font collection");
            var offsets = Enumerable.Range(0, count).Select(i => (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(12 + 4 * i))).ToList();
            var families = offsets.Select(o => FaceFamily(file, o)).ToList();
            var chosen = families.FindIndex(f => f.EndsWith(" SC", StringComparison.Ordinal));
            return new TrueTypeFont(file, offsets[Math.Max(chosen, 0)], embedded);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or ArgumentException)
        {
            throw new InvalidDataException("is not a readable TrueType font: " + e.Message, e);
        }
    }

    /// <summary>The glyph for a character, 0 (.notdef) when the font has none.</summary>
    public ushort GlyphId(int codePoint) => characters.GetValueOrDefault(codePoint);

    /// <summary>Does the font draw this character?</summary>
    public bool Has(int codePoint) => characters.ContainsKey(codePoint);

    /// <summary>A glyph's advance width, font units.</summary>
    public int Advance(int glyph) => glyph >= 0 && glyph < GlyphCount ? advances[glyph] : advances[0];

    /// <summary>The length of a glyph's outline data (0: an empty glyph, such as a space's, or one left out of a subset).</summary>
    public int GlyphLength(int glyph) => glyph >= 0 && glyph < GlyphCount ? Math.Max(0, glyphOffsets[glyph + 1] - glyphOffsets[glyph]) : 0;

    /// <summary>A glyph's outline data as stored in glyf (empty for an empty glyph).</summary>
    public byte[] GlyphData(int glyph) => file.AsSpan(glyfOffset + (glyph >= 0 && glyph < GlyphCount ? glyphOffsets[glyph] : 0), GlyphLength(glyph)).ToArray();

    /// <summary>The glyphs a composite glyph is built of (none for a simple or empty one).</summary>
    public IReadOnlyList<int> Components(int glyph)
    {
        var length = GlyphLength(glyph);
        if (length < 10) return [];
        var at = glyfOffset + glyphOffsets[glyph];
        if (I16(at) >= 0) return [];
        var end = at + length;
        var result = new List<int>();
        var p = at + 10;
        while (p + 4 <= end)
        {
            var flags = U16(p);
            result.Add(U16(p + 2));
            p += 4 + ((flags & 0x0001) != 0 ? 4 : 2); // ARG_1_AND_2_ARE_WORDS
            if ((flags & 0x0008) != 0) p += 2; // WE_HAVE_A_SCALE
            else if ((flags & 0x0040) != 0) p += 4; // WE_HAVE_AN_X_AND_Y_SCALE
            else if ((flags & 0x0080) != 0) p += 8; // WE_HAVE_A_TWO_BY_TWO
            if ((flags & 0x0020) == 0) break; // MORE_COMPONENTS
        }
        return result;
    }

    /// <summary>Every glyph id in the character map, with one character drawn by it (for tests and tools).</summary>
    public IEnumerable<KeyValuePair<int, ushort>> CharacterMap => characters;

    /// <summary>
    /// A TrueType font of the same glyph ids (so that a PDF's CIDToGIDMap /Identity holds) in which
    /// every glyph but these, the components of the composite ones and .notdef is empty: loca
    /// entries collapse to zero length and their widths to 0. It holds the tables a PDF embedding of
    /// a TrueType font uses (ISO 32000-1, 9.9: head, hhea, loca, maxp, cvt, prep, glyf, hmtx, fpgm);
    /// the character map is not needed, the PDF maps codes to glyph ids itself.
    /// </summary>
    public byte[] Subset(IEnumerable<int> glyphs)
    {
        var keep = new bool[GlyphCount];
        var pending = new Stack<int>(glyphs.Where(g => g >= 0 && g < GlyphCount).Append(0));
        while (pending.TryPop(out var g))
        {
            if (keep[g]) continue;
            keep[g] = true;
            foreach (var c in Components(g))
            {
                if (c < GlyphCount && !keep[c]) pending.Push(c);
            }
        }

        // glyf and a long-format loca: each kept glyph copied, 4-byte aligned; the others zero length.
        var glyf = new MemoryStream();
        var loca = new byte[4 * (GlyphCount + 1)];
        for (var g = 0; g < GlyphCount; g++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * g), (uint)glyf.Length);
            if (!keep[g] || GlyphLength(g) == 0) continue;
            glyf.Write(file, glyfOffset + glyphOffsets[g], GlyphLength(g));
            while (glyf.Length % 4 != 0) glyf.WriteByte(0);
        }
        BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * GlyphCount), (uint)glyf.Length);

        var hmtx = Copy("hmtx");
        var metrics = U16(tables["hhea"].Offset + 34);
        for (var g = 0; g < GlyphCount; g++)
        {
            if (keep[g]) continue;
            if (g < metrics) hmtx.AsSpan(4 * g, 4).Clear();
            else if (4 * metrics + 2 * (g - metrics) + 2 <= hmtx.Length) hmtx.AsSpan(4 * metrics + 2 * (g - metrics), 2).Clear();
        }

        var head = Copy("head");
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), 0); // checkSumAdjustment, set below
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(50), 1); // indexToLocFormat: long

        var output = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["head"] = head,
            ["hhea"] = Copy("hhea"),
            ["maxp"] = Copy("maxp"),
            ["hmtx"] = hmtx,
            ["loca"] = loca,
            ["glyf"] = glyf.ToArray(),
        };
        foreach (var optional in new[] { "cvt ", "fpgm", "prep" })
        {
            if (tables.ContainsKey(optional)) output[optional] = Copy(optional);
        }
        return Write(output);
    }

    /// <summary>An sfnt file of these tables (sorted by tag), with their checksums and head's checkSumAdjustment.</summary>
    private static byte[] Write(SortedDictionary<string, byte[]> tables)
    {
        var count = tables.Count;
        var header = 12 + 16 * count;
        var result = new byte[header + tables.Values.Sum(t => (t.Length + 3) & ~3)];
        BinaryPrimitives.WriteUInt32BigEndian(result, 0x00010000);
        var power = 1;
        var log = 0;
        while (power * 2 <= count) { power *= 2; log++; }
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(4), (ushort)count);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(6), (ushort)(power * 16));
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(8), (ushort)log);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(10), (ushort)(count * 16 - power * 16));
        var position = header;
        var i = 0;
        var headAt = -1;
        foreach (var (tag, data) in tables)
        {
            var entry = result.AsSpan(12 + 16 * i++);
            Encoding.ASCII.GetBytes(tag, entry);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], Checksum(data));
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)position);
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)data.Length);
            data.CopyTo(result, position);
            if (tag == "head") headAt = position;
            position += (data.Length + 3) & ~3;
        }
        // OpenType 'head': checkSumAdjustment = 0xB1B0AFBA − the checksum of the whole font (computed with it 0).
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(headAt + 8), unchecked(0xB1B0AFBA - Checksum(result)));
        return result;
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        var i = 0;
        for (; i + 4 <= data.Length; i += 4) sum = unchecked(sum + BinaryPrimitives.ReadUInt32BigEndian(data[i..]));
        if (i < data.Length)
        {
            Span<byte> last = stackalloc byte[4];
            last.Clear();
            data[i..].CopyTo(last);
            sum = unchecked(sum + BinaryPrimitives.ReadUInt32BigEndian(last));
        }
        return sum;
    }

    private byte[] Copy(string tag) => file.AsSpan(tables[tag].Offset, tables[tag].Length).ToArray();

    /// <summary>
    /// The Unicode character map: a Windows full-repertoire (3,10) or Unicode (0,4/0,6) format 12
    /// subtable when there is one (it reaches beyond the BMP), else a Windows BMP (3,1) or Unicode
    /// format 4 one.
    /// </summary>
    private Dictionary<int, ushort> ReadCharacterMap()
    {
        var cmap = tables["cmap"].Offset;
        var count = U16(cmap + 2);
        int? best = null;
        var bestRank = 0;
        for (var i = 0; i < count; i++)
        {
            int platform = U16(cmap + 4 + 8 * i), encoding = U16(cmap + 6 + 8 * i);
            var at = cmap + (int)U32(cmap + 8 + 8 * i);
            var format = U16(at);
            var rank = (platform, encoding, format) switch
            {
                (3, 10, 12) => 4,
                (0, 4 or 6, 12) => 3,
                (3, 1, 4) => 2,
                (0, _, 4) => 1,
                _ => 0,
            };
            if (rank > bestRank) (best, bestRank) = (at, rank);
        }
        if (best is not { } table) throw new InvalidDataException("has no Unicode character map (cmap format 4 or 12)");
        var map = new Dictionary<int, ushort>();
        if (U16(table) == 12)
        {
            var groups = U32(table + 12);
            var next = 0u;
            for (var g = 0L; g < groups; g++)
            {
                var at = table + 16 + (int)(12 * g);
                uint first = U32(at), last = U32(at + 4), glyph = U32(at + 8);
                if (last < first || last > 0x10FFFF || last - first > 0x10FFFF) throw new InvalidDataException("has a broken cmap group");
                // Only the characters whose glyphs exist: a hostile group cannot make the loop run past the font.
                if (glyph >= GlyphCount) continue;
                last = Math.Min(last, first + (uint)(GlyphCount - 1 - glyph));
                // Groups are sorted and do not overlap (OpenType cmap format 12): a character already
                // passed is not read again, so overlapping groups cannot make the loops quadratic.
                if (last < next) continue;
                if (first < next) (glyph, first) = (glyph + (next - first), next);
                next = last + 1;
                for (var c = first; c <= last; c++)
                {
                    var gid = glyph + (c - first);
                    if (gid != 0 && gid < GlyphCount) map.TryAdd((int)c, (ushort)gid);
                }
            }
            return map;
        }
        var segments = U16(table + 6) / 2;
        int ends = table + 14, starts = ends + 2 * segments + 2, deltas = starts + 2 * segments, rangeOffsets = deltas + 2 * segments;
        var following = 0; // the lowest character not read yet: segments are sorted by their end (format 4)
        for (var s = 0; s < segments; s++)
        {
            int end = U16(ends + 2 * s), start = U16(starts + 2 * s), delta = I16(deltas + 2 * s), rangeOffset = U16(rangeOffsets + 2 * s);
            var from = Math.Max(start, following);
            following = Math.Max(following, end + 1);
            for (var c = from; c <= end && c != 0xFFFF; c++)
            {
                int gid;
                if (rangeOffset == 0) gid = (c + delta) & 0xFFFF;
                else
                {
                    // idRangeOffset counts bytes from its own place in the array to the glyph id.
                    var at = rangeOffsets + 2 * s + rangeOffset + 2 * (c - start);
                    gid = U16(at);
                    if (gid != 0) gid = (gid + delta) & 0xFFFF;
                }
                if (gid != 0 && gid < GlyphCount) map.TryAdd(c, (ushort)gid);
            }
        }
        return map;
    }

    private string? Name(int id) => NameOf(file, tables, id);

    private static string FaceFamily(byte[] file, int offset) => NameOf(file, ReadDirectory(file, offset), 1) ?? "";

    /// <summary>A name (name table), from a Windows Unicode record (English first) or a Macintosh one.</summary>
    private static string? NameOf(byte[] file, Dictionary<string, (int Offset, int Length)> tables, int wanted)
    {
        if (!tables.TryGetValue("name", out var name)) return null;
        var table = file.AsSpan(name.Offset, name.Length);
        int count = BinaryPrimitives.ReadUInt16BigEndian(table[2..]), strings = BinaryPrimitives.ReadUInt16BigEndian(table[4..]);
        string? best = null;
        for (var i = 0; i < count; i++)
        {
            var r = table.Slice(6 + 12 * i, 12);
            int platform = BinaryPrimitives.ReadUInt16BigEndian(r), language = BinaryPrimitives.ReadUInt16BigEndian(r[4..]);
            int id = BinaryPrimitives.ReadUInt16BigEndian(r[6..]), length = BinaryPrimitives.ReadUInt16BigEndian(r[8..]);
            var at = strings + BinaryPrimitives.ReadUInt16BigEndian(r[10..]);
            if (id != wanted || at + length > table.Length) continue;
            var bytes = table.Slice(at, length);
            if (platform == 3 && language == 0x0409) return Encoding.BigEndianUnicode.GetString(bytes);
            if (platform == 3) best ??= Encoding.BigEndianUnicode.GetString(bytes);
            else if (platform == 1) best ??= Encoding.Latin1.GetString(bytes);
        }
        return best;
    }

    private static Dictionary<string, (int Offset, int Length)> ReadDirectory(byte[] file, int offset)
    {
        var count = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(offset + 4));
        var tables = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var entry = file.AsSpan(offset + 12 + 16 * i, 16);
            long at = BinaryPrimitives.ReadUInt32BigEndian(entry[8..]), length = BinaryPrimitives.ReadUInt32BigEndian(entry[12..]);
            if (at + length > file.Length) throw new InvalidDataException("has a table outside the file");
            tables.TryAdd(Encoding.Latin1.GetString(entry[..4]), ((int)at, (int)length));
        }
        return tables;
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(at, 2));
    private short I16(int at) => BinaryPrimitives.ReadInt16BigEndian(file.AsSpan(at, 2));
    private uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at, 4));
}

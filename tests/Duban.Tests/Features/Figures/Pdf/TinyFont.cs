using System.Buffers.Binary;
using System.Text;

namespace Duban.Tests.Features.Figures.Pdf;

/// <summary>
/// A TrueType font of four glyphs built byte by byte (OpenType 1.9): .notdef and 'A' simple
/// triangles, 'B' empty, '中' a composite of 'A'; a character map with a format 4 subtable (A, B)
/// and a format 12 one (A, B, 中); a name table. Small, so that property tests and the fuzz harness can
/// mutate it thousands of times; also as a one-face collection (.ttc).
/// </summary>
public static class TinyFont
{
    public const int GlyphCount = 4;

    public static byte[] Font() => Sfnt(Tables(), 0);

    /// <summary>The same face inside a 'ttcf' collection: the table offsets count from the start of the collection.</summary>
    public static byte[] Collection()
    {
        byte[] header = [.. "ttcf"u8, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 16];
        return [.. header, .. Sfnt(Tables(), header.Length)];
    }

    private static SortedDictionary<string, byte[]> Tables()
    {
        var head = new byte[54];
        BinaryPrimitives.WriteUInt32BigEndian(head, 0x00010000);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(12), 0x5F0F3CF5);
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(18), 1000); // unitsPerEm
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(40), 600); // xMax
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(42), 700); // yMax
        // indexToLocFormat (50) 0: short offsets.

        var hhea = new byte[36];
        BinaryPrimitives.WriteUInt32BigEndian(hhea, 0x00010000);
        BinaryPrimitives.WriteInt16BigEndian(hhea.AsSpan(4), 800);
        BinaryPrimitives.WriteInt16BigEndian(hhea.AsSpan(6), -200);
        BinaryPrimitives.WriteUInt16BigEndian(hhea.AsSpan(34), 3); // numberOfHMetrics: the last one's advance repeats

        byte[] maxp = [0x00, 0x00, 0x50, 0x00, 0, GlyphCount];
        byte[] hmtx = [0x02, 0x58, 0, 0, 0x02, 0x58, 0, 0, 0x01, 0xF4, 0, 0, 0, 0];

        byte[] triangle =
        [
            0, 1, 0, 0, 0, 0, 2, 0x58, 2, 0xBC, // one contour, bounding box 0,0–600,700
            0, 2, 0, 0, // last point 2, no instructions
            1, 1, 1, // on-curve points, coordinates as 16-bit deltas
            0, 0, 1, 0x2C, 1, 0x2C, // x: 0, +300, +300
            0, 0, 2, 0xBC, 0xFD, 0x44, // y: 0, +700, -700
            0, // padding to an even length
        ];
        byte[] composite = [0xFF, 0xFF, 0, 0, 0, 0, 2, 0x58, 2, 0xBC, 0x00, 0x03, 0x00, 0x01, 0, 0, 0, 0];
        byte[] glyf = [.. triangle, .. triangle, .. composite];
        var loca = new byte[2 * (GlyphCount + 1)];
        ushort[] offsets = [0, (ushort)(triangle.Length / 2), (ushort)(triangle.Length), (ushort)(triangle.Length), (ushort)(glyf.Length / 2)];
        for (var g = 0; g <= GlyphCount; g++) BinaryPrimitives.WriteUInt16BigEndian(loca.AsSpan(2 * g), offsets[g]);

        byte[] format4 =
        [
            0, 4, 0, 32, 0, 0, 0, 4, 0, 4, 0, 1, 0, 0, // format, length, language, segCountX2, searchRange, entrySelector, rangeShift
            0, 0x42, 0xFF, 0xFF, 0, 0, // endCode, reservedPad
            0, 0x41, 0xFF, 0xFF, // startCode
            0xFF, 0xC0, 0, 1, // idDelta: 'A' + (-64) = 1
            0, 0, 0, 0, // idRangeOffset
        ];
        byte[] format12 = [0, 12, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x41, 0, 0, 0, 0x42, 0, 0, 0, 1, 0, 0, 0x4E, 0x2D, 0, 0, 0x4E, 0x2D, 0, 0, 0, 3];
        byte[] cmap = [0, 0, 0, 2, 0, 3, 0, 1, 0, 0, 0, 20, 0, 3, 0, 10, 0, 0, 0, (byte)(20 + format4.Length), .. format4, .. format12];

        var family = Encoding.BigEndianUnicode.GetBytes("Tiny");
        var postScript = Encoding.BigEndianUnicode.GetBytes("Tiny-Regular");
        byte[] name =
        [
            0, 0, 0, 2, 0, 30,
            0, 3, 0, 1, 0x04, 0x09, 0, 1, 0, (byte)family.Length, 0, 0,
            0, 3, 0, 1, 0x04, 0x09, 0, 6, 0, (byte)postScript.Length, 0, (byte)family.Length,
            .. family, .. postScript,
        ];
        return new(StringComparer.Ordinal)
        {
            ["cmap"] = cmap,
            ["glyf"] = glyf,
            ["head"] = head,
            ["hhea"] = hhea,
            ["hmtx"] = hmtx,
            ["loca"] = loca,
            ["maxp"] = maxp,
            ["name"] = name,
        };
    }

    private static byte[] Sfnt(SortedDictionary<string, byte[]> tables, int at)
    {
        var header = 12 + 16 * tables.Count;
        var result = new byte[header + tables.Values.Sum(t => (t.Length + 3) & ~3)];
        BinaryPrimitives.WriteUInt32BigEndian(result, 0x00010000);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(4), (ushort)tables.Count);
        var position = header;
        var i = 0;
        foreach (var (tag, data) in tables)
        {
            var entry = result.AsSpan(12 + 16 * i++);
            Encoding.ASCII.GetBytes(tag, entry);
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)(at + position));
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)data.Length);
            data.CopyTo(result, position);
            position += (data.Length + 3) & ~3;
        }
        return result;
    }
}

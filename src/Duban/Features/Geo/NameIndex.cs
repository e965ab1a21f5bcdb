using System.Runtime.CompilerServices;

namespace Duban.Features.Geo;

/// <summary>
/// Every name a division answers to, in a character trie, each with the divisions it names
/// sorted in pre-order and the weight of the evidence. A name's divisions come in two lists:
/// those it names on its own, and those it names only after a larger division containing them
/// has been named (bare village roots). Read-only once built, so any number of threads share it.
/// </summary>
public sealed class NameIndex
{
    // The trie. The root's children are an array by character; every other edge (node, char) →
    // child is one 64-bit entry of an open-addressed table: node (23 bits), char (16), child (23),
    // so that a step costs one memory access. Node 0 is the root.
    private const int ChildBits = 23;
    private const ulong ChildMask = (1UL << ChildBits) - 1;
    private readonly int[] rootChildren;
    private readonly ulong[] table;
    private readonly int shift;
    private readonly Postings free;
    private readonly Postings anchored;
    private readonly Postings upper;
    private readonly HashSet<int> common = [];

    private NameIndex(int[] rootChildren, ulong[] table, int shift, Postings free, Postings anchored, Postings upper)
    {
        this.rootChildren = rootChildren;
        this.table = table;
        this.shift = shift;
        this.free = free;
        this.anchored = anchored;
        this.upper = upper;
    }

    /// <summary>Marks the nodes of everyday words (<see cref="NameForms.CommonWords"/>).</summary>
    public void MarkCommon(IEnumerable<string> words)
    {
        foreach (var word in words)
        {
            var node = 0;
            foreach (var c in word)
            {
                node = Step(node, c);
                if (node < 0) break;
            }
            if (node > 0) common.Add(node);
        }
    }

    /// <summary>True when the node's text is an everyday word as well as a root.</summary>
    public bool IsCommon(int node) => common.Contains(node);

    /// <summary>At most this many nodes (8.3 million; all of China needs about 2.5).</summary>
    public const int MaxNodes = 1 << ChildBits;

    public int Names { get; private init; }

    /// <summary>The node reached from <paramref name="node"/> by <paramref name="c"/>, or -1.</summary>
    public int Step(int node, char c)
    {
        if (node == 0) return rootChildren[c] - 1;
        var key = ((ulong)node << 16) | c;
        var mask = table.Length - 1;
        for (var slot = Slot(key, shift); ; slot = (slot + 1) & mask)
        {
            var entry = table[slot];
            if (entry >> ChildBits == key) return (int)(entry & ChildMask);
            if (entry == 0) return -1;
        }
    }

    public bool IsName(int node) => free.Has(node) || anchored.Has(node);

    public Postings.List Free(int node) => free.Of(node);

    public Postings.List Anchored(int node) => anchored.Of(node);

    public int NonRootWeight(int node) => free.NonRootWeight(node);

    /// <summary>The provinces, cities and counties among <see cref="Free"/>: few even for a name many towns share (中山).</summary>
    public Postings.List Upper(int node) => upper.Of(node);

    private static int Slot(ulong key, int shift) => (int)(key * 0x9E3779B97F4A7C15UL >> shift);

    /// <summary>Divisions a name stands for, grouped by trie node: one array for all, offsets per node.</summary>
    public sealed class Postings(int[] starts, int[] divisions, byte[] weights)
    {
        public bool Has(int node) => node + 1 < starts.Length && starts[node + 1] > starts[node];

        /// <summary>The strongest weight of the node's names that are not bare roots, or 0: what a name shared by many places is worth for their common ancestor.</summary>
        public int NonRootWeight(int node)
        {
            if (!Has(node)) return 0;
            var best = 0;
            for (var i = starts[node]; i < starts[node + 1]; i++)
            {
                if (List.KindOf(weights[i]) != NameKind.Root) best = Math.Max(best, List.WeightOf(weights[i]));
            }
            return best;
        }

        public List Of(int node) => node + 1 < starts.Length
            ? new List(divisions.AsMemory(starts[node], starts[node + 1] - starts[node]), weights.AsMemory(starts[node], starts[node + 1] - starts[node]))
            : default;

        /// <summary>The divisions of one name, sorted, each with its weight and kind packed in a byte (see <see cref="Builder.Add"/>).</summary>
        public readonly record struct List(ReadOnlyMemory<int> Divisions, ReadOnlyMemory<byte> Info)
        {
            public int Count => Divisions.Length;

            public static int WeightOf(byte info) => info & 0x0F;

            public static NameKind KindOf(byte info) => (NameKind)(info >> 4 & 0x3);

            public static bool IsFull(byte info) => KindOf(info) == NameKind.Full;

            /// <summary>The weight with which this name names division <paramref name="d"/>, or 0; only by the kinds whose bit is set in <paramref name="kinds"/>.</summary>
            public int WeightOf(int d, int kinds = 0xF) => Best(d, kinds).Weight;

            /// <summary>The strongest way this name names division <paramref name="d"/> (see <see cref="WeightOf(int, int)"/>), official names first among equals.</summary>
            public (int Weight, NameKind Kind) Best(int d, int kinds = 0xF)
            {
                var divs = Divisions.Span;
                var i = divs.BinarySearch(d);
                if (i < 0) return (0, NameKind.Root);
                var info = Info.Span;
                var best = 0;
                var kind = NameKind.Root;
                // The same division may come twice (a root that is also a form); take the stronger.
                while (i > 0 && divs[i - 1] == d) i--;
                for (; i < divs.Length && divs[i] == d; i++)
                {
                    if ((kinds & 1 << (int)KindOf(info[i])) == 0) continue;
                    var w = WeightOf(info[i]);
                    if (w > best || w == best && KindOf(info[i]) < kind) (best, kind) = (w, KindOf(info[i]));
                }
                return (best, kind);
            }

            /// <summary>The positions [from, to) of the divisions that lie in [lo, hi).</summary>
            public (int From, int To) Range(int lo, int hi)
            {
                var divs = Divisions.Span;
                return (LowerBound(divs, lo), LowerBound(divs, hi));
            }

            private static int LowerBound(ReadOnlySpan<int> divs, int value)
            {
                int a = 0, b = divs.Length;
                while (a < b)
                {
                    var mid = (a + b) >>> 1;
                    if (divs[mid] < value) a = mid + 1; else b = mid;
                }
                return a;
            }
        }
    }

    public sealed class Builder(int expectedNodes = 1024)
    {
        private readonly int[] rootChildren = new int[char.MaxValue + 1];
        private ulong[] table = new ulong[CapacityFor(expectedNodes)];
        private int shift = 64 - System.Numerics.BitOperations.Log2((uint)CapacityFor(expectedNodes));
        private int nodes = 1;
        private int used;
        private int[] postNode = new int[1024];
        private int[] postDiv = new int[1024];
        private byte[] postWeight = new byte[1024];
        private byte[] postLevel = new byte[1024];
        private int posts;

        private static int CapacityFor(int nodes) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, nodes + nodes / 2));

        /// <summary>The node for <paramref name="text"/> below <paramref name="node"/>, made if need be.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Walk(int node, ReadOnlySpan<char> text)
        {
            foreach (var c in text) node = Child(node, c);
            return node;
        }

        /// <summary>Records that the text of trie node <paramref name="node"/> (from <see cref="Walk"/>) names division <paramref name="division"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(int node, int division, GeoLevel level, NameKind kind, bool needsAnchor)
        {
            if (node == 0) return;
            if (posts == postNode.Length)
            {
                Array.Resize(ref postNode, posts * 2);
                Array.Resize(ref postDiv, posts * 2);
                Array.Resize(ref postWeight, posts * 2);
                Array.Resize(ref postLevel, posts * 2);
            }
            postNode[posts] = node;
            postDiv[posts] = division;
            postWeight[posts] = (byte)(NameWeight.Of(level, kind) | (byte)kind << 4 | (needsAnchor ? 0x80 : 0));
            postLevel[posts] = (byte)level;
            posts++;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Child(int node, char c)
        {
            if (node == 0)
            {
                if (rootChildren[c] == 0) rootChildren[c] = NewNode();
                return rootChildren[c] - 1;
            }
            var key = ((ulong)node << 16) | c;
            var mask = table.Length - 1;
            var slot = Slot(key, shift);
            for (; ; slot = (slot + 1) & mask)
            {
                var entry = table[slot];
                if (entry >> ChildBits == key) return (int)(entry & ChildMask);
                if (entry == 0) break;
            }
            var child = NewNode() - 1;
            table[slot] = key << ChildBits | (uint)child;
            used++;
            if (used * 10 > table.Length * 7) Grow();
            return child;
        }

        // Returns the new node's number plus one, as the root's array stores it (0 there means none).
        private int NewNode()
        {
            if (nodes == MaxNodes) throw new InvalidOperationException($"more than {MaxNodes} trie nodes");
            return ++nodes;
        }

        private void Grow()
        {
            var old = table;
            table = new ulong[old.Length * 2];
            shift--;
            var mask = table.Length - 1;
            foreach (var entry in old)
            {
                if (entry == 0) continue;
                var slot = Slot(entry >> ChildBits, shift);
                while (table[slot] != 0) slot = (slot + 1) & mask;
                table[slot] = entry;
            }
        }

        public NameIndex Build()
        {
            var free = Group(i => postWeight[i] < 0x80);
            var anchored = Group(i => postWeight[i] >= 0x80);
            var upper = Group(i => postWeight[i] < 0x80 && postLevel[i] <= (byte)GeoLevel.County);
            var names = 0;
            for (var n = 0; n < nodes; n++)
            {
                if (free.Has(n) || anchored.Has(n)) names++;
            }
            return new(rootChildren, table, shift, free, anchored, upper) { Names = names };
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Postings Group(Func<int, bool> include)
        {
            var starts = new int[nodes + 1];
            for (var i = 0; i < posts; i++)
            {
                if (include(i)) starts[postNode[i] + 1]++;
            }
            for (var n = 0; n < nodes; n++) starts[n + 1] += starts[n];
            var total = starts[nodes];
            var divs = new int[total];
            var weights = new byte[total];
            var fill = (int[])starts.Clone();
            for (var i = 0; i < posts; i++)
            {
                if (!include(i)) continue;
                var at = fill[postNode[i]]++;
                divs[at] = postDiv[i];
                weights[at] = (byte)(postWeight[i] & 0x7F);
            }
            // Divisions are added in pre-order, so each list is sorted already; aliases come in any order.
            for (var n = 0; n < nodes; n++)
            {
                var list = divs.AsSpan(starts[n], starts[n + 1] - starts[n]);
                for (var k = 1; k < list.Length; k++)
                {
                    if (list[k - 1] <= list[k]) continue;
                    list.Sort(weights.AsSpan(starts[n], list.Length));
                    break;
                }
            }
            return new Postings(starts, divs, weights);
        }
    }
}

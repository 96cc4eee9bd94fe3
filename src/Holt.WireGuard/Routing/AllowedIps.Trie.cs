using System.Runtime.CompilerServices;

namespace Holt.WireGuard.Routing;

// The trie itself: a path-compressed binary trie whose nodes never change once built. A writer builds new nodes
// along the one path it touches (at most one node per prefix bit) and shares every other subtree with the old
// version, so a reader holding the old root keeps a complete, consistent table while the new one is published.
public sealed partial class AllowedIps<T>
{
    /// <summary>
    /// One node: a prefix, the owner of that exact prefix (null for a node that only exists to branch), and the
    /// subtrees whose keys continue with a 0 or a 1 at bit <see cref="Length"/>. Along any path from the root
    /// lengths strictly grow, and every descendant's key starts with its ancestors' prefixes. A node without an
    /// owner always has two children; the builders below collapse any that would not.
    /// </summary>
    private sealed class Node
    {
        public readonly ulong Hi;
        public readonly ulong Lo;
        // The netmask is kept beside the key so the per-packet walk does no mask arithmetic.
        public readonly ulong MaskHi;
        public readonly ulong MaskLo;
        public readonly int Length;
        public readonly T? Owner;
        public readonly Node? Zero;
        public readonly Node? One;

        public Node(ulong hi, ulong lo, int length, T? owner, Node? zero, Node? one)
        {
            Hi = hi;
            Lo = lo;
            MaskHi = PrefixKey.MaskHi(length);
            MaskLo = PrefixKey.MaskLo(length);
            Length = length;
            Owner = owner;
            Zero = zero;
            One = one;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Covers(ulong hi, ulong lo) => (((hi ^ Hi) & MaskHi) | ((lo ^ Lo) & MaskLo)) == 0;

        public Node? WithChildren(Node? zero, Node? one) => Make(Hi, Lo, Length, Owner, zero, one);
    }

    /// <summary>Longest-prefix match: the owner of the deepest node on the address's path that holds a prefix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T? Find(Node? node, ulong hi, ulong lo)
    {
        T? best = null;
        while (node is not null && node.Covers(hi, lo))
        {
            best = node.Owner ?? best;
            node = PrefixKey.BitAt(hi, lo, node.Length) == 0 ? node.Zero : node.One;
        }

        return best;
    }

    /// <summary>
    /// A node, unless it would be an ownerless node with fewer than two children: such a node decides nothing,
    /// so its only child (or nothing) takes its place.
    /// </summary>
    private static Node? Make(ulong hi, ulong lo, int length, T? owner, Node? zero, Node? one)
    {
        if (owner is null && (zero is null || one is null))
        {
            return zero ?? one;
        }

        return new Node(hi, lo, length, owner, zero, one);
    }

    /// <summary>
    /// The trie with <paramref name="key"/> owned by <paramref name="owner"/>. Reports who held exactly that prefix
    /// before (null if nobody). Returns <paramref name="node"/> itself when nothing changes.
    /// </summary>
    private static Node Insert(Node? node, in PrefixKey key, T owner, out T? previous)
    {
        previous = null;
        if (node is null)
        {
            return new Node(key.Hi, key.Lo, key.Length, owner, null, null);
        }

        int common = PrefixKey.CommonPrefixLength(node.Hi, node.Lo, key.Hi, key.Lo);
        common = Math.Min(common, Math.Min(node.Length, key.Length));

        if (common == node.Length && common == key.Length)
        {
            // Exactly this prefix: it moves to the new owner, as WireGuard specifies.
            previous = node.Owner;
            return ReferenceEquals(previous, owner) ? node : new Node(node.Hi, node.Lo, node.Length, owner, node.Zero, node.One);
        }

        if (common == node.Length)
        {
            // The node's prefix contains the new one: carry on down the side the new key's next bit picks.
            if (PrefixKey.BitAt(key.Hi, key.Lo, node.Length) == 0)
            {
                Node zero = Insert(node.Zero, key, owner, out previous);
                return ReferenceEquals(zero, node.Zero) ? node : new Node(node.Hi, node.Lo, node.Length, node.Owner, zero, node.One);
            }

            Node one = Insert(node.One, key, owner, out previous);
            return ReferenceEquals(one, node.One) ? node : new Node(node.Hi, node.Lo, node.Length, node.Owner, node.Zero, one);
        }

        if (common == key.Length)
        {
            // The new prefix contains the node's: it becomes the node's parent.
            return PrefixKey.BitAt(node.Hi, node.Lo, key.Length) == 0
                ? new Node(key.Hi, key.Lo, key.Length, owner, node, null)
                : new Node(key.Hi, key.Lo, key.Length, owner, null, node);
        }

        // The two part ways at bit `common`: an ownerless node with their shared prefix branches between them.
        var leaf = new Node(key.Hi, key.Lo, key.Length, owner, null, null);
        ulong hi = key.Hi & PrefixKey.MaskHi(common);
        ulong lo = key.Lo & PrefixKey.MaskLo(common);
        return PrefixKey.BitAt(key.Hi, key.Lo, common) == 0
            ? new Node(hi, lo, common, null, leaf, node)
            : new Node(hi, lo, common, null, node, leaf);
    }

    /// <summary>
    /// The trie without <paramref name="key"/>, if <paramref name="owner"/> holds it; otherwise
    /// <paramref name="node"/> itself, unchanged.
    /// </summary>
    private static Node? Remove(Node? node, in PrefixKey key, T owner)
    {
        if (node is null || node.Length > key.Length || !node.Covers(key.Hi, key.Lo))
        {
            return node;
        }

        if (node.Length == key.Length)
        {
            // Keys carry no host bits, so covering at equal length means the very same prefix.
            return ReferenceEquals(node.Owner, owner) ? Make(node.Hi, node.Lo, node.Length, null, node.Zero, node.One) : node;
        }

        if (PrefixKey.BitAt(key.Hi, key.Lo, node.Length) == 0)
        {
            Node? zero = Remove(node.Zero, key, owner);
            return ReferenceEquals(zero, node.Zero) ? node : node.WithChildren(zero, node.One);
        }

        Node? one = Remove(node.One, key, owner);
        return ReferenceEquals(one, node.One) ? node : node.WithChildren(node.Zero, one);
    }
}

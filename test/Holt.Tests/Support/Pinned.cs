namespace Holt.Tests.Support;

/// <summary>Batch buffers as the engine allocates them: on the pinned object heap, which batched native I/O needs.</summary>
internal static class Pinned
{
    public static byte[][] Buffers(int count, int size) =>
        [.. Enumerable.Range(0, count).Select(_ => GC.AllocateArray<byte>(size, pinned: true))];
}

namespace Holt.WireGuard.Tests.Support;

/// <summary>Finds the shared test vectors: <c>../shared/testvectors/</c> beside the repository root.</summary>
internal static class TestVectors
{
    public static string PathOf(string fileName)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Holt.slnx")))
            {
                string path = Path.Combine(dir.FullName, "..", "shared", "testvectors", fileName);
                return File.Exists(path)
                    ? Path.GetFullPath(path)
                    : throw new FileNotFoundException($"test vector {fileName} is missing: expected {Path.GetFullPath(path)}");
            }
        }

        throw new DirectoryNotFoundException("could not find Holt.slnx above the test binaries");
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}

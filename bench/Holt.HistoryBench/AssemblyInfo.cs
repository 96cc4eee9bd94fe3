// Holt runs on Linux only; so does this benchmark of its store.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Holt runs on Linux only; so does this benchmark of its UDP bind.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

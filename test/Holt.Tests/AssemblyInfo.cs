// The tests drive holt's Linux code and Linux tools; they run on Linux only, as holt does.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

using Holt.Config;

namespace Holt.Audit;

/// <summary>
/// holt.toml as the areas read it: loaded once per audit and shared (a gateway of a thousand peers takes a while to
/// parse, and three areas ask), with the reason when it does not load.
/// </summary>
internal static class HoltToml
{
    /// <summary>What loading holt.toml gave: the configuration, or why there is none.</summary>
    internal sealed record Loaded(HoltConfig? Config, bool Missing, string? Problem, bool Broken);

    public static Loaded Load(AuditMachine machine) => machine.Shared("holt-toml-loaded", () =>
    {
        if (machine.Store is not ConfigStore store || !store.Exists)
        {
            return new Loaded(null, Missing: true, null, Broken: false);
        }

        try
        {
            return new Loaded(store.Load(), Missing: false, null, Broken: false);
        }
        catch (CommandException e)
        {
            // A ConfigException inside is the file's content at fault; anything else is reading it (permissions).
            return new Loaded(null, Missing: false, e.Message, Broken: e.InnerException is ConfigException);
        }
    });
}

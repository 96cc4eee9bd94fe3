using System.Collections.Immutable;

namespace Holt.Config;

/// <summary>
/// holt.toml as a whole: one value per section, each owned by the subsystem that reads, writes and checks it
/// (<see cref="ConfigSection"/>). Config/ knows none of them; a subsystem reaches its own value through a typed
/// accessor of its own (<c>config.Gateway</c>, <c>config.Firewall</c>, <c>config.Guard</c>). Immutable: an edit
/// makes a new value with one section replaced, and the whole is checked before it is written.
/// </summary>
internal sealed class HoltConfig
{
    private readonly ImmutableDictionary<Type, object> _sections;

    private HoltConfig(ImmutableDictionary<Type, object> sections) => _sections = sections;

    public static HoltConfig Empty { get; } = new(ImmutableDictionary<Type, object>.Empty);

    /// <summary>The section of type <typeparamref name="T"/>, or null when the file has none.</summary>
    public T? Find<T>()
        where T : class =>
        _sections.TryGetValue(typeof(T), out object? value) ? (T)value : null;

    /// <exception cref="InvalidOperationException">No section of that type was read (a programming error).</exception>
    public T Get<T>()
        where T : class =>
        Find<T>() ?? throw new InvalidOperationException($"holt.toml has no {typeof(T).Name} section");

    /// <summary>This configuration with <typeparamref name="T"/>'s section replaced (or removed, given null).</summary>
    public HoltConfig With<T>(T? section)
        where T : class =>
        new(section is null ? _sections.Remove(typeof(T)) : _sections.SetItem(typeof(T), section));

    /// <summary>Sets a section whose type is known only at run time (the reader's dispatch).</summary>
    internal HoltConfig WithSection(Type type, object? section) =>
        new(section is null ? _sections.Remove(type) : _sections.SetItem(type, section));
}

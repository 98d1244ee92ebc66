using System.ComponentModel;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace StreamHandlers.Infrastructure;

/// <summary>
/// Maps a <c>[StreamFields]</c> type to stream entry fields and back. The source generator implements it for each
/// such type, with no reflection. Plumbing for generated code.
/// </summary>
/// <typeparam name="T">The field-mapped type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IStreamFieldsMapper<T>
{
    /// <summary>One field per property, values in invariant culture; a null nullable property writes no field.</summary>
    NameValueEntry[] ToFields(T value);

    /// <summary>Reads the entry's fields back.</summary>
    /// <exception cref="MessageBindingException">A non-nullable field is missing, or a value cannot be parsed.</exception>
    T FromFields(StreamEntry entry);
}

/// <summary>
/// The generated mapper of each <c>[StreamFields]</c> type, set when the assembly that declares the type loads, so
/// that <see cref="IStreamPublisher"/> finds it by type with no reflection. Plumbing for generated code.
/// </summary>
/// <typeparam name="T">The field-mapped type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StreamFieldsMappers<T>
{
    private static IStreamFieldsMapper<T>? _mapper;
    private static bool _moduleRun;

    /// <summary>The mapper, or <see langword="null"/> when <typeparamref name="T"/> is not a <c>[StreamFields]</c> type.</summary>
    public static IStreamFieldsMapper<T>? Mapper
    {
        get
        {
            if (_mapper is null && !_moduleRun)
            {
                // A type from another assembly whose module initializer has not run yet (nothing there was used so
                // far): run it once, which registers the generated mapper if there is one.
                _moduleRun = true;
                RuntimeHelpers.RunModuleConstructor(typeof(T).Module.ModuleHandle);
            }

            return _mapper;
        }

        set => _mapper = value;
    }
}

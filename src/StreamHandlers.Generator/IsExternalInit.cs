// Lets records and init-only properties compile for netstandard2.0, where the runtime type is absent.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}

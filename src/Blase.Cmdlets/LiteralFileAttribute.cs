using System.Collections;
using System.Management.Automation;

namespace Blase.Cmdlets;

/// <summary>
/// On a wildcard -Path: a FileInfo or DirectoryInfo (piped from Get-ChildItem, or given as an argument) names one file,
/// so its full name is escaped and resolves literally: a file called <c>star[1].fits</c> is read, not silently missed as
/// the pattern star1.fits. So does any other object with a FullName or PSPath property (as bound by property name).
/// Strings pass through as wildcards. (PowerShell binds a piped object to a string[] -Path with ValueFromPipeline in
/// the default parameter set before it tries -LiteralPath by property name, hence the transformation.)
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class LiteralFileAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is string) return inputData;
        if (Literal(inputData) is string one) return one;
        if (value is IEnumerable items && items.Cast<object>().Any(i => Literal(i) is not null))
            return items.Cast<object>().Select(i => Literal(i) ?? (i is PSObject p ? p.BaseObject : i)?.ToString()).ToArray();
        return inputData;
    }

    /// <summary>The escaped path an object names as a file, or null for anything else (strings included).</summary>
    private static string? Literal(object? item)
    {
        object? value = item is PSObject p ? p.BaseObject : item;
        if (value is FileSystemInfo info) return WildcardPattern.Escape(info.FullName);
        if (value is string || item is null) return null;
        var ps = item as PSObject ?? PSObject.AsPSObject(item);
        foreach (var name in new[] { "FullName", "PSPath" })
            if (ps.Properties[name]?.Value is string s && s.Length > 0) return WildcardPattern.Escape(s);
        return null;
    }
}

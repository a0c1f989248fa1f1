using System.Collections;
using System.Management.Automation;

namespace Blase.Cmdlets;

/// <summary>
/// On a wildcard -Path: a FileInfo or DirectoryInfo (piped from Get-ChildItem, or given as an argument) names one file,
/// so its full name is escaped and resolves literally: a file called <c>star[1].fits</c> is read, not silently missed as
/// the pattern star1.fits. Strings pass through as wildcards. (PowerShell binds a piped FileInfo to a string[] -Path
/// of the default parameter set before it tries -LiteralPath, hence the transformation.)
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class LiteralFileAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            FileSystemInfo info => Escape(info),
            string => inputData,
            IEnumerable items when items.Cast<object>().Any(i => (i is PSObject p ? p.BaseObject : i) is FileSystemInfo) =>
                items.Cast<object>().Select(i => (i is PSObject p ? p.BaseObject : i) is FileSystemInfo f ? Escape(f) : i?.ToString()).ToArray(),
            _ => inputData,
        };
    }

    private static string Escape(FileSystemInfo info) => WildcardPattern.Escape(info.FullName);
}

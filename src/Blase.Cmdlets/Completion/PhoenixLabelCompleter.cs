using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using Blase.Engine.IO.Formats;

namespace Blase.Cmdlets.Completion;

/// <summary>
/// Completes -Teff, -LogG and -Metallicity of Import-BlaseSpectrum with the values the PHOENIX library folder named by
/// -Path holds (its lte*.fits names), narrowed by the labels already given: after -Teff 5800, -LogG offers only the
/// surface gravities there are at 5800 K. The tooltip says how many spectra have the value.
/// </summary>
public sealed class PhoenixLabelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (CompletionPaths.Folder(fakeBoundParameters["Path"]) is not string root) return Array.Empty<CompletionResult>();
        var labels = CompletionPaths.Files(root, "lte*.fits")
            .Select(f => PhoenixReader.ParseName(Path.GetFileName(f)))
            .Where(l => l is not null).Select(l => l!.Value)
            .Where(l => Matches(fakeBoundParameters, "Teff", parameterName, l.Teff) && Matches(fakeBoundParameters, "LogG", parameterName, l.LogG)
                        && Matches(fakeBoundParameters, "Metallicity", parameterName, l.Metallicity));
        Func<(double Teff, double LogG, double Metallicity, double Alpha), double> pick = parameterName switch
        {
            "Teff" => l => l.Teff,
            "LogG" => l => l.LogG,
            _ => l => l.Metallicity,
        };
        string format = parameterName switch { "Teff" => "0", "LogG" => "0.00", _ => "0.0" };
        return labels.GroupBy(pick).OrderBy(g => g.Key)
            .Select(g => (Text: (g.Key + 0.0).ToString(format, CultureInfo.InvariantCulture), Count: g.Count())) // + 0.0: PHOENIX writes solar as -0.0
            .Where(v => v.Text.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v.Text, v.Text, CompletionResultType.ParameterValue,
                $"{parameterName} {v.Text}: {v.Count} spectra in {root}"));
    }

    // A label already bound (other than the one being completed) narrows the offer.
    private static bool Matches(IDictionary bound, string name, string completing, double value) =>
        name == completing || !bound.Contains(name) || !double.TryParse(Convert.ToString(bound[name], CultureInfo.InvariantCulture),
            NumberStyles.Float, CultureInfo.InvariantCulture, out double given) || Math.Abs(given - value) < 1e-6;
}

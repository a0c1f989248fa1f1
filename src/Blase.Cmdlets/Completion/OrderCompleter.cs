using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Completion;

/// <summary>
/// Completes -Order with the order numbers of the spectrum on the command line: the file of Import-BlaseSpectrum's -Path
/// (on the same command, or the one before it in the pipeline, as in
/// <c>Import-BlaseSpectrum ./hpf.fits | Select-BlaseSpectrum -Order &lt;Tab&gt;</c>). Each number shows its wavelength range.
/// </summary>
public sealed class OrderCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? file = CompletionPaths.File(fakeBoundParameters["Path"]) ?? CompletionPaths.File(PathBefore(commandAst));
        if (file is null) return Array.Empty<CompletionResult>();
        Spectrum spectrum;
        try { spectrum = SpectrumReader.Read(file).First(); }
        catch (Exception) { return Array.Empty<CompletionResult>(); } // not a spectrum Blase reads: nothing to offer
        return spectrum.Orders
            .Select(o => (Text: o.Number.ToString(CultureInfo.InvariantCulture), Order: o))
            .Where(o => o.Text.StartsWith(wordToComplete, StringComparison.Ordinal))
            .Select(o => new CompletionResult(o.Text, $"{o.Text}  ({o.Order.Wavelength[0]:F1}-{o.Order.Wavelength[^1]:F1} {WavelengthUnits.Symbol(spectrum.Unit)})",
                CompletionResultType.ParameterValue,
                $"order {o.Text}: {o.Order.Wavelength[0]:F2}-{o.Order.Wavelength[^1]:F2} {WavelengthUnits.Symbol(spectrum.Unit)}, {o.Order.PixelCount} px"));
    }

    // The constant -Path (or first positional argument) of an Import-BlaseSpectrum earlier in the same pipeline.
    private static string? PathBefore(CommandAst command)
    {
        if (command.Parent is not PipelineAst pipeline) return null;
        foreach (var element in pipeline.PipelineElements.TakeWhile(e => e != command).OfType<CommandAst>().Reverse())
        {
            if (!string.Equals(element.GetCommandName(), "Import-BlaseSpectrum", StringComparison.OrdinalIgnoreCase)) continue;
            var parts = element.CommandElements;
            for (int i = 1; i < parts.Count; i++)
            {
                if (parts[i] is CommandParameterAst p)
                {
                    if (p.Argument is StringConstantExpressionAst inline && IsPath(p.ParameterName)) return inline.Value;
                    if (IsPath(p.ParameterName) && i + 1 < parts.Count && parts[i + 1] is StringConstantExpressionAst next) return next.Value;
                    if (p.Argument is null) i++; // skip the parameter's value
                    continue;
                }
                if (parts[i] is StringConstantExpressionAst positional) return positional.Value;
            }
        }
        return null;
    }

    private static bool IsPath(string name) => "Path".StartsWith(name, StringComparison.OrdinalIgnoreCase) || name.Equals("LiteralPath", StringComparison.OrdinalIgnoreCase);
}

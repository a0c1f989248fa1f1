using Blase.Engine.Lines;
using Blase.Engine.Transfer;

namespace Blase.Engine.IO;

/// <summary>One row of a line list's summary: what a figure is, its value and its unit ("" for none).</summary>
public sealed record LineListSummaryRow(string Item, object Value, string Unit);

/// <summary>
/// What a line list came from, for the "summary" sheet beside the "lines" sheet of an Excel workbook: the model's name,
/// its fit (RMS, iterations; RV and v sin i of a transfer), its provenance, and the unit of every column of the lines.
/// </summary>
public static class LineListSummary
{
    public static List<LineListSummaryRow> Of(LineModel m)
    {
        var rows = new List<LineListSummaryRow> { new("Model", m.Name ?? "", ""), new("Lines", m.Count, ""), new("Profile", m.Profile.ToString(), "") };
        if (m.Report is { } r)
        {
            rows.Add(new("Template", r.Template, ""));
            rows.Add(new("RmsNative", r.RmsNative, "continuum"));
            rows.Add(new("Iterations", r.Training.Epochs, ""));
            rows.Add(new("Seconds", r.Training.Seconds, "s"));
            rows.Add(new("Device", r.Training.Device, ""));
        }
        rows.AddRange(Provenance(m.Provenance));
        return rows;
    }

    public static List<LineListSummaryRow> Of(TransferResult r)
    {
        var rows = new List<LineListSummaryRow>
        {
            new("Model", r.Model.Name ?? "", ""), new("Spectrum", r.Spectrum, ""), new("Template", r.Template, ""),
            new("RadialVelocity", r.RadialVelocity, "km/s"), new("RadialVelocityError", r.RadialVelocityError, "km/s"),
            new("Vsini", r.Vsini, "km/s"), new("VsiniError", r.VsiniError, "km/s"), new("ResolvingPower", r.ResolvingPower, ""),
            new("ResidualRms", r.ResidualRms, "continuum"), new("ReducedChiSquare", r.ReducedChiSquare, ""),
            new("LinesFitted", r.LinesFitted, ""), new("LinesChanged", r.LinesChanged, ""), new("Iterations", r.Iterations, ""),
            new("Converged", r.Converged, ""), new("StopReason", r.StopReason, ""),
        };
        rows.AddRange(Provenance(r.Model.Provenance));
        return rows;
    }

    /// <summary>Records gathered from the pipeline: the models they came from.</summary>
    public static List<LineListSummaryRow> Of(IEnumerable<string> models) =>
        models.Distinct().Select(name => new LineListSummaryRow("Model", name, "")).ToList();

    private static IEnumerable<LineListSummaryRow> Provenance(IReadOnlyList<string> steps) =>
        steps.Select((step, k) => new LineListSummaryRow($"Provenance{k + 1}", step, ""));
}

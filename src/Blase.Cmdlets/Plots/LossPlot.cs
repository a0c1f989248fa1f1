using Blase.Engine.Fitting;
using ScottPlot;

namespace Blase.Cmdlets.Plots;

/// <summary>The Loss figure of a clone: the training loss Σ w (model − template)² at each iteration, on a log axis.</summary>
public static class LossPlot
{
    private static readonly PixelPadding Margins = new(left: 95, right: 40, bottom: 60, top: 40);

    public static IEnumerable<PlotPanel> Render(string title, TrainingReport report, int width, int height)
    {
        var loss = report.LossHistory;
        if (loss.Count < 2) throw new ArgumentException("the model's training report holds fewer than two loss values: nothing to draw");
        var p = PlotCanvas.Panel($"{title}: {report.Optimizer}, {report.Epochs} iterations, RMS {report.InitialRms:G3} → {report.Rms:G3}",
            "Iteration", "Loss, Σ w (model − template)²", Margins);
        var x = Enumerable.Range(0, loss.Count).Select(i => (double)i).ToArray();
        var logLoss = loss.Select(Math.Log10).ToArray();
        var line = p.Add.ScatterLine(x, logLoss, PlotCanvas.Series[2]);
        line.LineWidth = 2;
        line.MarkerSize = loss.Count <= 200 ? 5 : 0;
        p.Axes.SetLimitsX(-0.02 * (loss.Count - 1), 1.02 * (loss.Count - 1));
        PlotCanvas.Log10Ticks(p.Axes.Left, logLoss);
        yield return new PlotPanel(p, new PixelRect(new Pixel(0, 0), new PixelSize(width, height)));
    }
}

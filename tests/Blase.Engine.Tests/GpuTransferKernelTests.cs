using Blase.Engine.Compute;
using Blase.Engine.Transfer;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit.Abstractions;

namespace Blase.Engine.Tests;

/// <summary>
/// The transfer's ILGPU kernels against their CPU twins (RotationalBroadening, InstrumentProfile) on a realistic order:
/// 2048 pixels at 2 km/s, a fine grid of about 12k points at 0.35 km/s, R 55,000, v sin i 7 km/s, ε 0.6.
/// Each output must agree to 1e-12 of the sum of its terms' magnitudes (for the positive stages, 1e-12 relative).
/// </summary>
public class GpuTransferKernelTests
{
    private const double Tolerance = 1e-12;
    private readonly ITestOutputHelper _out;
    public GpuTransferKernelTests(ITestOutputHelper output) => _out = output;

    private sealed record Problem(FineGrid Grid, InstrumentProfile Instrument, double[] Flux, double[] GFine, double[] GPixels);

    private static Problem Make(int pixels, double resolvingPower, int finePoints)
    {
        var rng = new Random(7);
        const double c = DopplerShift.SpeedOfLightKms;
        // A mildly non-uniform dispersion, as an échelle order has.
        var pix = Enumerable.Range(0, pixels).Select(i => 8500 * Math.Exp((2.0 * i + 2e-4 * i * i / pixels) / c)).ToArray();
        double spanKms = Math.Log(pix[^1] / pix[0]) * c;
        var grid = new FineGrid(pix[0], pix[^1], (spanKms + 120) / (finePoints - 1), 60);
        var instrument = new InstrumentProfile(grid, pix, resolvingPower);
        // A star: 1 − Σ Gaussian dips of a few km/s, some deep.
        var flux = new double[grid.Count];
        Array.Fill(flux, 1.0);
        var wave = grid.Wavelength;
        for (int j = 0; j < pixels / 6; j++)
        {
            double center = wave[0] + rng.NextDouble() * (wave[^1] - wave[0]), depth = 0.02 + 0.6 * rng.NextDouble() * rng.NextDouble();
            double sigma = center * (1.5 + 4 * rng.NextDouble()) / c;
            for (int k = 0; k < flux.Length; k++) { double u = (wave[k] - center) / sigma; if (Math.Abs(u) < 8) flux[k] *= 1 - depth * Math.Exp(-0.5 * u * u); }
        }
        var gFine = Enumerable.Range(0, grid.Count).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var gPixels = Enumerable.Range(0, pixels).Select(_ => (2 * rng.NextDouble() - 1) * 40).ToArray();
        return new Problem(grid, instrument, flux, gFine, gPixels);
    }

    /// <summary>|gpu − cpu| ≤ tolerance·scale element by element; returns the largest |gpu − cpu|/scale.</summary>
    private static double Compare(string what, double[] gpu, double[] cpu, double[] scale)
    {
        double worst = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            double d = Math.Abs(gpu[i] - cpu[i]);
            if (d == 0) continue;
            double r = scale[i] > 0 ? d / scale[i] : double.PositiveInfinity;
            Assert.True(r <= Tolerance, $"{what} [{i}]: {gpu[i]:R} vs {cpu[i]:R} (scale {scale[i]:G3})");
            worst = Math.Max(worst, r);
        }
        return worst;
    }

    private static double CompareScalar(string what, double gpu, double cpu, double scale)
    {
        double r = Math.Abs(gpu - cpu) / scale;
        Assert.True(r <= Tolerance, $"{what}: {gpu:R} vs {cpu:R} (Σ|terms| {scale:G3})");
        return r;
    }

    private void Agree(DeviceKind device, double vsini, double resolvingPower = 55_000, int pixels = 2048, int finePoints = 12_000,
        Func<FineGrid, InstrumentProfile, GpuTransferKernels>? make = null)
    {
        var p = Make(pixels, resolvingPower, finePoints);
        var grid = p.Grid;
        var ins = p.Instrument;
        int n = grid.Count;
        var rot = new RotationalBroadening(vsini, 0.6, grid.StepKms);
        int from = ins.FirstFine, to = ins.EndFine, h = rot.Half;
        Assert.True(from - h >= 0 && to + h <= n);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var gpu = make?.Invoke(grid, ins) ?? new GpuTransferKernels(grid, ins, device);
        gpu.SetRotation(rot);
        double setup = sw.Elapsed.TotalSeconds;
        var (_, offset, _, _) = ins.Rows;
        _out.WriteLine($"{gpu.Device}: fine grid {n} at {grid.StepKms:F4} km/s, {ins.PixelCount} px, R {ins.ResolvingPower}, {offset[^1]} weights, v sin i {vsini} km/s ({rot.Taps.Length} taps); set-up {setup:F2} s");
        var abs = (double[] v) => v.Select(Math.Abs).ToArray();

        // (1) rotation: result kept outside [from, to)
        sw.Restart();
        var rc = Enumerable.Repeat(-3.0, n).ToArray();
        var rg = Enumerable.Repeat(-3.0, n).ToArray();
        rot.Apply(p.Flux, rc, from, to);
        gpu.Rotate(p.Flux, rg, from, to);
        double eRot = Compare("rotation", rg, rc, abs(rc)); // positive taps on positive flux: plain relative
        Assert.Equal(-3.0, rg[from - 1]);
        Assert.Equal(-3.0, rg[to]);

        // (1') its adjoint, added into a non-zero gx
        var gx0 = p.GFine.Select(v => 0.25 * v).ToArray();
        var ac = (double[])gx0.Clone();
        var ag = (double[])gx0.Clone();
        rot.ApplyAdjoint(p.GFine, ac, from, to);
        gpu.RotateAdjoint(p.GFine, ag, from, to);
        var aScale = abs(gx0);
        rot.ApplyAdjoint(abs(p.GFine), aScale, from, to); // taps ≥ 0: Σ|terms|
        double eRotAdj = Compare("rotation adjoint", ag, ac, aScale);

        // (2) the v sin i derivative
        double vc = rot.VsiniGradient(p.GFine, p.Flux, from, to);
        double vg = gpu.VsiniGradient(p.GFine, p.Flux, from, to);
        double vScale = 0;
        for (int k = from; k < to; k++)
        {
            double s = 0;
            for (int t = -h; t <= h; t++) s += Math.Abs(rot.Derivative[t + h] * p.Flux[k - t]);
            vScale += Math.Abs(p.GFine[k]) * s;
        }
        double eVsini = vsini > 0 ? CompareScalar("v sin i gradient", vg, vc, vScale) : Math.Abs(vg - vc);
        if (vsini == 0) Assert.Equal(0.0, vg);
        double tRot = sw.Elapsed.TotalSeconds;

        // (3) the instrument: W·F, Wᵀ·g (added into a non-zero g_F), d ln R; then a new R, re-uploaded
        sw.Restart();
        double eBin = 0, eBinAdj = 0, eLnR = 0, lnRRel = 0;
        foreach (double r in new[] { resolvingPower, resolvingPower * 0.93 })
        {
            ins.Update(r);
            var bc = new double[ins.PixelCount];
            var bg = new double[ins.PixelCount];
            ins.Apply(rc, bc);
            gpu.Bin(rc, bg);
            eBin = Math.Max(eBin, Compare($"W·F (R {r})", bg, bc, abs(bc)));

            var fc = (double[])gx0.Clone();
            var fg = (double[])gx0.Clone();
            ins.ApplyAdjoint(p.GPixels, fc);
            gpu.BinAdjoint(p.GPixels, fg);
            var fScale = abs(gx0);
            ins.ApplyAdjoint(abs(p.GPixels), fScale); // W ≥ 0: Σ|terms|
            eBinAdj = Math.Max(eBinAdj, Compare($"Wᵀ·g (R {r})", fg, fc, fScale));

            double lc = ins.LnResolvingPowerGradient(p.GPixels, rc);
            double lg = gpu.LnResolvingPowerGradient(p.GPixels, rc);
            var (lo, off, _, dw) = ins.Rows;
            double lScale = 0;
            for (int i = 0; i < ins.PixelCount; i++)
            {
                double s = 0;
                for (int q = off[i]; q < off[i + 1]; q++) s += Math.Abs(dw[q] * rc[lo[i] + q - off[i]]);
                lScale += Math.Abs(p.GPixels[i]) * s;
            }
            eLnR = Math.Max(eLnR, CompareScalar($"d ln R gradient (R {r})", lg, lc, lScale));
            lnRRel = Math.Max(lnRRel, Math.Abs(lg - lc) / Math.Abs(lc));
        }
        double tIns = sw.Elapsed.TotalSeconds;
        _out.WriteLine($"largest |gpu − cpu| / Σ|terms|: rotation {eRot:G3}, adjoint {eRotAdj:G3}, v sin i {eVsini:G3} (cpu {vc:G6}, gpu {vg:G6}); " +
            $"W·F {eBin:G3}, Wᵀ·g {eBinAdj:G3}, d ln R {eLnR:G3} (relative to the value {lnRRel:G3})");
        _out.WriteLine($"kernels: rotation stages {tRot:F2} s, instrument stages (two R) {tIns:F2} s");
    }

    [Fact]
    public void Simulated_transfer_kernels_agree_with_the_cpu_stages() => Agree(DeviceKind.Cpu, 7);

    [Fact]
    public void Simulated_transfer_kernels_agree_without_rotation() => Agree(DeviceKind.Cpu, 0, 30_000, 512, 3000);

    [Fact]
    public void Kernels_on_a_shared_accelerator_leave_it_open()
    {
        using var context = Context.Create(b => b.CPU());
        using var accelerator = context.CreateCPUAccelerator(0);
        Agree(DeviceKind.Cpu, 12, 80_000, 512, 3000, (g, i) => new GpuTransferKernels(g, i, accelerator));
        using var still = accelerator.Allocate1D<double>(4); // the kernels disposed their buffers, not the accelerator
        Assert.Equal(4, still.Length);
    }

    [CudaFact]
    public void Cuda_transfer_kernels_agree_with_the_cpu_stages()
    {
        Agree(DeviceKind.Cuda, 7);
        Agree(DeviceKind.Cuda, 0, 30_000, 512, 3000);
    }
}

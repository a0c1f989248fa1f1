using Blase.Engine.Compute;
using Blase.Engine.Fitting;
using Blase.Engine.Lines;

namespace Blase.Engine.Tests;

/// <summary>A fact that needs a CUDA GPU: skipped, with the reason, on machines without one.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (DeviceCatalog.Devices.All(d => d.Kind != DeviceKind.Cuda)) Skip = $"no CUDA device here ({DeviceCatalog.CudaProblem})";
    }
}

/// <summary>The ILGPU kernels against the CPU backend: the same function, to the tolerance of float transcendentals.</summary>
public class GpuKernelTests
{
    private static (LineModel Model, double[] Wave) Problem(ProfileShape profile, CombinationMode mode, int lines = 24)
    {
        var rng = new Random(11);
        var wave = Enumerable.Range(0, 2401).Select(i => 8000 + i * 0.01).ToArray();
        var c = Enumerable.Range(0, lines).Select(i => 8000.5 + i * 0.95 + 0.2 * rng.NextDouble()).ToArray();
        var a = Enumerable.Range(0, lines).Select(_ => Math.Log(0.002 + 0.05 * rng.NextDouble())).ToArray();
        var s = Enumerable.Range(0, lines).Select(_ => Math.Log(0.02 + 0.04 * rng.NextDouble())).ToArray();
        var g = Enumerable.Range(0, lines).Select(_ => Math.Log(0.01 + 0.04 * rng.NextDouble())).ToArray();
        return (new LineModel(c, a, s, g, profile, mode, new[] { 1.0 }, wave[0], wave[^1]), wave);
    }

    public static IEnumerable<object[]> Cases() =>
        from p in new[] { ProfileShape.PseudoVoigt, ProfileShape.Tch } from m in Enum.GetValues<CombinationMode>() select new object[] { p, m };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Simulated_kernels_agree_with_the_cpu_backend(ProfileShape profile, CombinationMode mode) =>
        Agree(profile, mode, DeviceKind.Cpu);

    [CudaFact]
    public void Cuda_kernels_agree_with_the_cpu_backend()
    {
        foreach (var p in new[] { ProfileShape.PseudoVoigt, ProfileShape.Tch })
            foreach (var m in Enum.GetValues<CombinationMode>())
                Agree(p, m, DeviceKind.Cuda);
    }

    private static void Agree(ProfileShape profile, CombinationMode mode, DeviceKind device)
    {
        var (model, wave) = Problem(profile, mode);
        var cpu = new LineKernels(model, wave);
        using var gpu = new GpuLineKernels(model, wave, device);
        Assert.Equal(cpu.PairCount, gpu.PairCount); // the same windows
        var fc = cpu.FluxOf();
        var fg = gpu.FluxOf();
        for (int i = 0; i < fc.Length; i++) Assert.True(Math.Abs(fg[i] - fc[i]) <= 1e-6 * Math.Abs(fc[i]), $"pixel {i}: {fg[i]} vs {fc[i]}");

        var target = fc.Select((f, i) => f + 0.01 * Math.Sin(i * 0.37)).ToArray();
        var q = fc.Select((f, i) => 2 * (f - target[i]) * f).ToArray();
        var h = fc.Select(f => f * f).ToArray();
        int n = model.Count;
        var gc = new double[4 * n]; var gg = new double[4 * n];
        var bc = new double[10 * n]; var bg = new double[10 * n];
        cpu.Gradient(q, h, gc, bc);
        gpu.Gradient(q, h, gg, bg);
        for (int k = 0; k < gc.Length; k++)
        {
            double scale = Enumerable.Range(0, n).Max(j => Math.Abs(gc[4 * j + k % 4])); // per parameter kind
            Assert.True(Math.Abs(gg[k] - gc[k]) <= 1e-4 * scale, $"gradient {k}: {gg[k]} vs {gc[k]}");
        }
        // Curvature entries on the scale √(H_rr·H_cc): off-diagonal sums cancel between the two sides of a line.
        int[] row = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 3 }, col = { 0, 1, 2, 3, 1, 2, 3, 2, 3, 3 }, diag = { 0, 4, 7, 9 };
        for (int k = 0; k < bc.Length; k++)
        {
            int j = k / 10, e = k % 10;
            double scale = Math.Sqrt(bc[10 * j + diag[row[e]]] * bc[10 * j + diag[col[e]]]);
            Assert.True(Math.Abs(bg[k] - bc[k]) <= 1e-4 * scale + 1e-15, $"block {k}: {bg[k]} vs {bc[k]}");
        }
    }

    [Fact]
    public void A_clone_step_on_the_simulator_lowers_the_loss_like_the_cpu()
    {
        var (truth, wave) = Problem(ProfileShape.PseudoVoigt, CombinationMode.Linear, 8);
        var target = truth.Evaluate(wave);
        var start = truth.Clone();
        for (int j = 0; j < start.Count; j++) { start.LnAmplitude[j] += 0.2; start.Center[j] += 0.005; }
        using var gpu = new GpuLineKernels(start, wave, DeviceKind.Cpu);
        var report = Trainer.Fit(new CloneObjective(gpu, target), new TrainingOptions { Epochs = 8, Tolerance = 0 });
        Assert.StartsWith("ILGPU CPU simulator", report.Device);
        Assert.True(report.Rms < report.InitialRms / 50, $"RMS {report.InitialRms} -> {report.Rms}");
    }
}

/// <summary>A device that dies mid-run: the fit stops with the best parameters kept and a clear error.</summary>
public class DeviceFailureTests
{
    private sealed class FailingKernels : ILineKernels
    {
        private readonly LineKernels _inner;
        private int _calls;
        public FailingKernels(LineKernels inner) => _inner = inner;
        public LineModel Model => _inner.Model;
        public double[] Wavelength => _inner.Wavelength;
        public long PairCount => _inner.PairCount;
        public string Device => "a failing test device";
        public void Refresh() => _inner.Refresh();
        public double[] LogFlux() => ++_calls > 6 ? throw new InvalidOperationException("kernel launch failed") : _inner.LogFlux();
        public void Gradient(double[] q, double[]? h, double[] g, double[]? b) => _inner.Gradient(q, h, g, b);
        public void Dispose() { }
    }

    [Fact]
    public void A_failed_launch_keeps_the_best_model_and_says_where()
    {
        var wave = Enumerable.Range(0, 1001).Select(i => 6000 + i * 0.01).ToArray();
        var truth = new LineModel(new[] { 6003.0, 6006.0 }, new[] { Math.Log(0.02), Math.Log(0.01) }, new[] { Math.Log(0.03), Math.Log(0.04) },
            new[] { Math.Log(0.03), Math.Log(0.02) }, continuumMin: 6000, continuumMax: 6010);
        var target = truth.Evaluate(wave);
        var start = truth.Clone();
        start.LnAmplitude[0] += 0.3;
        var obj = new CloneObjective(new FailingKernels(new LineKernels(start, wave)), target);
        double initial = obj.Loss();
        var e = Assert.Throws<TrainingFailedException>(() => Trainer.Fit(obj, new TrainingOptions { Epochs = 50, Tolerance = 0 }));
        Assert.Contains("kernel launch failed", e.Message);
        Assert.Contains("a failing test device", e.Message);
        Assert.True(e.Report.LossHistory.Min() < initial);
        // The model holds the best parameters reached before the failure.
        Assert.Equal(e.Report.LossHistory.Min(), new CloneObjective(start, wave, target).Loss(), 9);
    }
}

/// <summary>The device-resident Levenberg–Marquardt loop against the CPU trainer, on ILGPU's simulator.</summary>
public class GpuTrainerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Device_resident_lm_converges_like_the_cpu_loop(int continuumDegree)
    {
        var (truth, wave) = TestData.TwelveLines(continuumDegree);
        int n = truth.Count;
        var target = truth.Evaluate(wave);
        LineModel Start()
        {
            var m = LineFinder.InitialModel(LineFinder.Find(wave, target, 0.002), wave[0], wave[^1], continuumDegree: continuumDegree);
            Assert.Equal(n, m.Count);
            return m;
        }
        var cpuModel = Start();
        var cpu = Trainer.Fit(new CloneObjective(cpuModel, wave, target), new TrainingOptions { Epochs = 40, Tolerance = 0 });
        var gpuModel = Start();
        using var kernels = new GpuLineKernels(gpuModel, wave, DeviceKind.Cpu);
        using var trainer = new GpuTrainer(kernels, target) { ReportEvery = 10 };
        var gpu = trainer.Fit(new TrainingOptions { Epochs = 60, Tolerance = 0 });
        Assert.Contains("device-resident", gpu.Device);
        Assert.True(gpu.Rms < 1e-4, $"device LM RMS {gpu.Rms} (CPU {cpu.Rms})");
        // The parameters written back to the model give the reported RMS on the CPU backend.
        Assert.Equal(gpu.Rms, new CloneObjective(gpuModel, wave, target).Rms(gpuModel.Evaluate(wave)), 6);
        for (int j = 0; j < n; j++) Assert.Equal(truth.Center[j], gpuModel.Center[j], 4);
    }
}

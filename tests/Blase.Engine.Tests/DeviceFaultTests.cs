using Blase.Engine.Compute;
using Blase.Engine.Emulators.Neural;
using Blase.Engine.Fitting;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;
using ILGPU.Runtime.Cuda;

namespace Blase.Engine.Tests;

/// <summary>
/// GPU faults mid-run, without a GPU: faults are injected into the kernel launches on ILGPU's CPU simulator (an ILGPU
/// CudaException or an OutOfMemoryException after N launches), and a small device-memory limit forces a problem into chunks.
/// A run that falls back must end where the CPU run ends; a split evaluation must equal the whole one.
/// </summary>
public class DeviceFaultTests
{
    public static TheoryData<string> Faults => new() { "cuda", "memory" };

    private static Func<Exception> Fault(string kind) => kind == "cuda"
        // The message ILGPU gives CUDA_ERROR_LAUNCH_FAILED (its CudaError constructor asks the driver, which is not here).
        ? () => new CudaException("unspecified launch failure (injected)")
        : () => new OutOfMemoryException("out of device memory (injected)");

    private static (LineModel Truth, double[] Wave, double[] Target) CloneProblem()
    {
        var (truth, wave) = TestData.TwelveLines();
        return (truth, wave, truth.Evaluate(wave));
    }

    private static LineModel Start(double[] wave, double[] target) => LineFinder.InitialModel(LineFinder.Find(wave, target, 0.002), wave[0], wave[^1]);

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_clone_whose_device_fails_mid_run_finishes_on_the_cpu_where_the_cpu_run_does(string fault)
    {
        var (truth, wave, target) = CloneProblem();
        var weight = Enumerable.Repeat(1.0, wave.Length).ToArray();
        var options = new TrainingOptions { Epochs = 40, Tolerance = 0 };
        var notes = new List<string>();

        var cpuModel = Start(wave, target);
        using (var cpu = new LineKernels(cpuModel, wave))
            Cloner.Train(cpu, target, weight, options, null, default, _ => { });

        var gpuModel = Start(wave, target);
        var injector = new DeviceFaultInjector(12, Fault(fault));
        TrainingReport report;
        using (var gpu = new GpuLineKernels(gpuModel, wave, DeviceKind.Cpu) { Faults = injector })
            report = Cloner.Train(gpu, target, weight, options, null, default, notes.Add);

        Assert.True(injector.Launches > 12, "the fault was never reached");
        Assert.NotNull(report.DeviceFault);
        Assert.Contains(fault == "cuda" ? "CudaException" : "OutOfMemoryException", report.DeviceFault);
        Assert.Contains(notes, n => n.Contains("continued on the CPU"));
        Assert.StartsWith("CPU", report.Device);
        // Both runs land on the truth; the fallback to within what the device-vs-CPU tests allow of the CPU run.
        Assert.True(report.Rms < 1e-4, $"RMS {report.Rms}");
        for (int j = 0; j < truth.Count; j++)
        {
            Assert.Equal(cpuModel.Center[j], gpuModel.Center[j], 1e-5);
            Assert.Equal(cpuModel.LnAmplitude[j], gpuModel.LnAmplitude[j], 1e-3);
        }
    }

    private static (Spectrum Data, LineModel Template) TransferProblem()
    {
        var template = ObservationSimulator.SyntheticLines(15, 8652, 8664, 11);
        var pixels = TestData.Grid(8650, 8666, 0.06);
        return (new Spectrum(new[] { ObservationSimulator.Observe(template, pixels, 3.1, 6, 0.6, 50_000, w => 1, 150, 2) }), template);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_transfer_whose_device_fails_mid_fit_carries_on_on_the_cpu_to_the_cpu_result(string fault)
    {
        var (data, template) = TransferProblem();
        var o = new TransferOptions { RadialVelocity = 3, BarycentricCorrectionKms = 0, MaxIterations = 40 };
        var cpu = Blase.Engine.Transfer.Transfer.Fit(data, template, null, o);
        var faulty = o.Copy();
        faulty.SimulateDevice = true;
        faulty.DeviceFaults = new DeviceFaultInjector(40, Fault(fault));
        var notes = new List<string>();
        var fell = Blase.Engine.Transfer.Transfer.Fit(data, template, null, faulty, note: notes.Add);

        Assert.True(faulty.DeviceFaults.Launches > 40, "the fault was never reached");
        Assert.Contains(fault == "cuda" ? "CudaException" : "OutOfMemoryException", fell.DeviceFault);
        Assert.Contains(notes, n => n.Contains("carried on on the CPU"));
        Assert.StartsWith("CPU", fell.Device);
        // The device path agrees with the CPU to 1e-7 of the objective; the fits end within a hundredth of their errors.
        Assert.Equal(cpu.RadialVelocity, fell.RadialVelocity, 0.01 * cpu.RadialVelocityError);
        Assert.Equal(cpu.Vsini, fell.Vsini, 0.01 * cpu.VsiniError);
        Assert.Equal(cpu.ChiSquare, fell.ChiSquare, 1e-6 * cpu.ChiSquare);
    }

    [Fact]
    public void Transfer_orders_beyond_the_device_memory_run_on_the_cpu_with_the_same_objective()
    {
        var star0 = ObservationSimulator.SyntheticLines(30, 8650, 8674, 11);
        var orders = new[]
        {
            ObservationSimulator.Observe(star0, TestData.Grid(8651, 8662, 0.06), 3.1, 6, 0.6, 50_000, w => 1, 150, 2, 0),
            ObservationSimulator.Observe(star0, TestData.Grid(8662, 8673, 0.06), 3.1, 6, 0.6, 50_000, w => 1, 150, 3, 1),
        };
        var weights = orders.Select(Blase.Engine.Transfer.Transfer.Weights).ToArray();
        var free = TransferParameters.Lines | TransferParameters.Centers | TransferParameters.RadialVelocity | TransferParameters.Vsini
                   | TransferParameters.Resolution | TransferParameters.Continuum;
        var o = new TransferOptions();
        var notes = new List<string>();
        (double Value, double[] Grad, string[] Devices) Run(DeviceKind? device, DeviceMemoryBudget? budget)
        {
            var star = star0.Clone();
            var bulk = new BulkParameters { RadialVelocity = 2.8, VsiniParameter = 5.5, LnResolvingPower = Math.Log(52_000) };
            var models = Blase.Engine.Transfer.Transfer.Build(orders, weights, star, null, bulk, o, 0.3, 30, device, notes.Add, budget);
            try
            {
                var obj = new TransferObjective(models.ToArray(), star, star0, null, null, bulk, free, o, 1);
                var z = obj.Current().Select((v, i) => v + 0.1 * Math.Sin(i)).ToArray();
                var g = new double[z.Length];
                return (obj.Value(z, g), g, models.Select(m => m.Device).ToArray());
            }
            finally { foreach (var m in models) m.Dispose(); }
        }
        // What both orders take on the device, then a budget for three quarters of it: the first order fits, the second not.
        var probe = new DeviceMemoryBudget(long.MaxValue);
        Assert.All(Run(DeviceKind.Cpu, probe).Devices, d => Assert.StartsWith("ILGPU CPU simulator", d));
        long both = long.MaxValue - probe.Left;
        Assert.Empty(notes);
        var split = Run(DeviceKind.Cpu, new DeviceMemoryBudget(both * 3 / 4));
        Assert.StartsWith("ILGPU CPU simulator", split.Devices[0]);
        Assert.StartsWith("CPU", split.Devices[1]);
        Assert.Contains(notes, n => n.Contains("order 1 needs") && n.Contains("runs on the CPU"));
        var cpu = Run(null, null);
        Assert.Equal(cpu.Value, split.Value, 1e-7 * Math.Abs(cpu.Value));
        double scale = cpu.Grad.Max(Math.Abs);
        for (int i = 0; i < cpu.Grad.Length; i++) Assert.True(Math.Abs(cpu.Grad[i] - split.Grad[i]) <= 1e-5 * scale, $"coordinate {i}: cpu {cpu.Grad[i]}, split {split.Grad[i]}");
    }

    private static (LineModel Model, double[] Wave) ChunkProblem(int? wingCut)
    {
        var rng = new Random(3);
        var wave = Enumerable.Range(0, 3000).Select(i => 6000 + i * 0.01 + 1e-7 * i * i).ToArray();
        int n = 90;
        var c = Enumerable.Range(0, n).Select(_ => wave[0] - 0.2 + (wave[^1] - wave[0] + 0.4) * rng.NextDouble()).OrderBy(x => x).ToArray();
        var s = Enumerable.Range(0, n).Select(_ => Math.Log(0.01 + 0.05 * rng.NextDouble())).ToArray();
        var model = new LineModel(c, Enumerable.Range(0, n).Select(_ => Math.Log(0.002 + 0.05 * rng.NextDouble())).ToArray(), s,
            s.Select(v => v + Math.Log(0.3 + rng.NextDouble())).ToArray(), continuumMin: wave[0], continuumMax: wave[^1]) { WingCut = wingCut };
        return (model, wave);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(120)]
    public void A_problem_larger_than_the_device_memory_is_split_into_chunks_that_add_up_to_the_whole(int? wingCut)
    {
        var (model, wave) = ChunkProblem(wingCut);
        long whole = GpuLineKernels.BytesNeeded(model.Count, wave.Length);
        using var one = new GpuLineKernels(model, wave, DeviceKind.Cpu);
        using var split = new ChunkedGpuLineKernels(model, wave, DeviceKind.Cpu, whole / 3);
        Assert.InRange(split.Chunks, 4, 64);

        var a = one.LogFlux();
        var b = split.LogFlux();
        Assert.Equal(one.PairCount, split.PairCount); // the same windows, each pixel counted once
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-13 * Math.Abs(a[i]) + 1e-300, $"pixel {i}: {a[i]:R} vs {b[i]:R}");

        var rng = new Random(9);
        var q = wave.Select(_ => rng.NextDouble() - 0.5).ToArray();
        var h = wave.Select(_ => rng.NextDouble()).ToArray();
        int n = model.Count;
        var ga = new double[4 * n]; var gb = new double[4 * n]; var ba = new double[10 * n]; var bb = new double[10 * n];
        one.Gradient(q, h, ga, ba);
        split.Gradient(q, h, gb, bb);
        // A line cut by a chunk boundary sums its two parts apart: equal to rounding of the terms' size.
        double gScale = ga.Max(Math.Abs), bScale = ba.Max(Math.Abs);
        for (int k = 0; k < ga.Length; k++) Assert.True(Math.Abs(ga[k] - gb[k]) <= 1e-12 * gScale, $"gradient {k}: {ga[k]:R} vs {gb[k]:R}");
        for (int k = 0; k < ba.Length; k++) Assert.True(Math.Abs(ba[k] - bb[k]) <= 1e-12 * bScale, $"block {k}: {ba[k]:R} vs {bb[k]:R}");
    }

    [Fact]
    public void A_clone_fitted_in_chunks_matches_the_cpu_clone()
    {
        var (truth, wave, target) = CloneProblem();
        var options = new TrainingOptions { Epochs = 30, Tolerance = 0 };
        var cpuModel = Start(wave, target);
        Trainer.Fit(new CloneObjective(cpuModel, wave, target), options);
        var chunkModel = Start(wave, target);
        using var split = new ChunkedGpuLineKernels(chunkModel, wave, DeviceKind.Cpu, GpuLineKernels.BytesNeeded(chunkModel.Count, wave.Length) / 2);
        Assert.True(split.Chunks >= 2);
        var report = Trainer.Fit(new CloneObjective(split, target), options);
        Assert.Contains("chunks", report.Device);
        for (int j = 0; j < truth.Count; j++) Assert.Equal(cpuModel.Center[j], chunkModel.Center[j], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void Neural_training_whose_device_fails_mid_run_ends_where_the_cpu_run_does(string fault)
    {
        var r = new Random(2);
        var labels = Enumerable.Range(0, 24).Select(_ => new[] { r.NextDouble(), 3 + r.NextDouble() }).ToArray();
        var fluxes = labels.Select(l => Enumerable.Range(0, 21).Select(j => 1 - 0.2 * Math.Exp(-Math.Pow(j - 10 - 4 * l[0], 2) / 6) * l[1] / 4).ToArray()).ToArray();
        // 22 training spectra in batches of 6: 3 steps and a validation loss per epoch, 30 steps in all. The fault comes in
        // epoch 7, after the state copied at step 16: the steps since are replayed on the CPU.
        var options = new NeuralTrainingOptions { MaxEpochs = 10, BatchSize = 6, HiddenUnits = 8 };
        var cpu = NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options);
        var injector = new DeviceFaultInjector(26, Fault(fault));
        var log = new List<string>();
        var fell = NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options with { Simulator = true, DeviceFaults = injector }, log: log.Add);

        Assert.True(injector.Launches > 26, "the fault was never reached");
        Assert.Contains(fault == "cuda" ? "CudaException" : "OutOfMemoryException", fell.Training!.DeviceFault);
        Assert.StartsWith("CPU (after ILGPU CPU simulator", fell.Training.Device);
        Assert.Contains(log, l => l.Contains("carried on on the CPU"));
        Assert.Equal(cpu.Training!.Steps, fell.Training.Steps);
        // As the simulator's training follows the CPU's (Training_through_the_simulator_follows_the_cpu_path).
        Assert.Equal(cpu.Training.ValidationLoss, fell.Training.ValidationLoss, 5);
        var a = cpu.Evaluate(labels[0]);
        var b = fell.Evaluate(labels[0]);
        for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) < 1e-4, $"pixel {j}: {a[j]} vs {b[j]}");
    }
}

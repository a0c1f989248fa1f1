using Blase.Engine.Compute;
using Blase.Engine.Emulators.Neural;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO.Formats;
using Xunit.Abstractions;

namespace Blase.Engine.Tests;

/// <summary>The fully connected (The Payne) emulator: its matrix products, its file layout, and training against known spectra.</summary>
public class NeuralEmulatorTests
{
    private readonly ITestOutputHelper _out;
    public NeuralEmulatorTests(ITestOutputHelper output) => _out = output;

    private static float[] RandomMatrix(int count, Random r) => Enumerable.Range(0, count).Select(_ => (float)(2 * r.NextDouble() - 1)).ToArray();

    [Theory]
    [InlineData(4, 16, 16)]
    [InlineData(37, 53, 71)]
    [InlineData(130, 300, 517)]
    [InlineData(1, 5, 3)]
    public void Matrix_products_equal_the_textbook_sums(int m, int k, int n)
    {
        var r = new Random(m * 1000 + n);
        var a = RandomMatrix(m * k, r); var at = RandomMatrix(k * m, r);
        var b = RandomMatrix(k * n, r); var bt = RandomMatrix(n * k, r);
        var c = RandomMatrix(m * n, r);
        var c0 = (float[])c.Clone();
        Gemm.Multiply(a, b, c, m, k, n, accumulate: true);
        var d = new float[m * n];
        Gemm.MultiplyTransposedA(at, b, d, m, k, n);
        var e = new float[m * n];
        Gemm.MultiplyTransposedB(a, bt, e, m, k, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double ab = c0[i * n + j], atb = 0, abt = 0;
                for (int p = 0; p < k; p++)
                {
                    ab += (double)a[i * k + p] * b[p * n + j];
                    atb += (double)at[p * m + i] * b[p * n + j];
                    abt += (double)a[i * k + p] * bt[j * k + p];
                }
                double tol = 1e-5 * Math.Sqrt(k) + 1e-6;
                Assert.True(Math.Abs(c[i * n + j] - ab) < tol, $"A·B at ({i},{j}): {c[i * n + j]} vs {ab}");
                Assert.True(Math.Abs(d[i * n + j] - atb) < tol, $"Aᵀ·B at ({i},{j}): {d[i * n + j]} vs {atb}");
                Assert.True(Math.Abs(e[i * n + j] - abt) < tol, $"A·Bᵀ at ({i},{j}): {e[i * n + j]} vs {abt}");
            }
    }

    private static NeuralEmulator RandomNetwork(int labels, int hidden, int pixels, int seed)
    {
        var r = new Random(seed);
        double[] W(int count) => Enumerable.Range(0, count).Select(_ => 0.3 * (2 * r.NextDouble() - 1)).ToArray();
        return new NeuralEmulator(Enumerable.Range(0, labels).Select(k => $"L{k}").ToArray(),
            Enumerable.Range(0, labels).Select(k => -1.0 - k).ToArray(), Enumerable.Range(0, labels).Select(k => 2.0 + k).ToArray(),
            new[] { W(hidden * labels), W(hidden * hidden), W(pixels * hidden) }, new[] { W(hidden), W(hidden), W(pixels) },
            Enumerable.Range(0, pixels).Select(j => 15000 + 0.2 * j).ToArray());
    }

    [Fact]
    public void Saved_network_has_The_Paynes_keys_and_reads_back_exactly()
    {
        var net = RandomNetwork(4, 7, 11, 3);
        using var dir = new TempDir();
        string path = dir.File("net.npz");
        net.Save(path);
        // The Payne's forward pass, written from the archive's arrays as its own code does (np.einsum('ij,j->i', w, x) + b, LeakyReLU 0.01).
        var a = NpyArchive.Read(path);
        Assert.Equal(new[] { 7, 4 }, a["w_array_0"].Shape);
        Assert.Equal(new[] { 7, 7 }, a["w_array_1"].Shape);
        Assert.Equal(new[] { 11, 7 }, a["w_array_2"].Shape);
        double[] Layer(double[] x, int l, bool leaky)
        {
            var w = a[$"w_array_{l}"]; var b = a[$"b_array_{l}"].Values;
            int rows = w.Shape[0], cols = w.Shape[1];
            return Enumerable.Range(0, rows).Select(i =>
            {
                double z = b[i] + Enumerable.Range(0, cols).Sum(j => w.Values[i * cols + j] * x[j]);
                return leaky ? Math.Max(z, 0.01 * z) : z;
            }).ToArray();
        }
        var labels = new[] { 0.3, 1.1, -0.5, 4.0 };
        var scaled = labels.Select((v, k) => (v - a["x_min"].Values[k]) / (a["x_max"].Values[k] - a["x_min"].Values[k]) - 0.5).ToArray();
        var expected = Layer(Layer(Layer(scaled, 0, true), 1, true), 2, false);
        var back = NeuralEmulator.Load(path);
        var flux = back.Evaluate(labels);
        var original = net.Evaluate(labels);
        for (int j = 0; j < 11; j++)
        {
            Assert.Equal(original[j], flux[j]);
            Assert.True(Math.Abs(expected[j] - flux[j]) < 1e-12, $"pixel {j}: {flux[j]} vs The Payne's {expected[j]}");
        }
        Assert.Equal(net.LabelNames, back.LabelNames);
        Assert.Equal(net.Wavelength, back.Wavelength);
    }

    [DataFact]
    public void Training_on_Payne_spectra_reproduces_held_out_ones()
    {
        // A few hundred spectra of the 2018 network's first 400 pixels at random labels in its box; 40 more held out.
        var payne = PayneNetwork.Load(TestData.File("payne", "NN_normalized_spectra.npz"));
        var r = new Random(4);
        int n = 340, pixels = 400;
        var labels = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 5).Select(k => payne.LabelMin[k] + r.NextDouble() * (payne.LabelMax[k] - payne.LabelMin[k])).ToArray()).ToArray();
        var fluxes = labels.Select(x => payne.Evaluate(x)[..pixels]).ToArray();
        var epochs = new List<NeuralProgress>();
        var net = NeuralTrainer.Train(payne.LabelNames, labels[..300], fluxes[..300], payne.Wavelength![..pixels],
            new NeuralTrainingOptions { MaxEpochs = 100, BatchSize = 32, HiddenUnits = 100 }, epochs.Add);
        var errors = Enumerable.Range(300, 40).SelectMany(i => net.Evaluate(labels[i]).Select((f, j) => Math.Abs(f - fluxes[i][j]))).OrderBy(v => v).ToArray();
        double median = errors[errors.Length / 2];
        var t = net.Training!;
        _out.WriteLine($"{t.Epochs} epochs ({t.ExitCondition}), best {t.BestEpoch}, validation L1 {t.ValidationLoss:G3}, held-out median |error| {median:G3}, {t.Elapsed.TotalSeconds:F1} s");
        Assert.True(median < 5e-3, $"median |error| {median:G3}");
        // The weights kept are the best on validation: the last epoch's validation loss is never below the one reported.
        Assert.Equal(epochs.Min(p => p.ValidationLoss), t.ValidationLoss, 12);
        Assert.Equal(30, t.ValidationCount);
    }

    [DataFact]
    public void Cancelled_training_keeps_the_best_weights_so_far()
    {
        var payne = PayneNetwork.Load(TestData.File("payne", "NN_normalized_spectra.npz"));
        var r = new Random(5);
        var labels = Enumerable.Range(0, 60).Select(_ => Enumerable.Range(0, 5).Select(k => payne.LabelMin[k] + r.NextDouble() * (payne.LabelMax[k] - payne.LabelMin[k])).ToArray()).ToArray();
        var fluxes = labels.Select(x => payne.Evaluate(x)[..50]).ToArray();
        using var cancel = new CancellationTokenSource();
        var net = NeuralTrainer.Train(payne.LabelNames, labels, fluxes, null, new NeuralTrainingOptions { MaxEpochs = 1000, BatchSize = 16, HiddenUnits = 20 },
            p => { if (p.Epoch == 5) cancel.Cancel(); }, cancel.Token);
        Assert.Equal("Cancelled", net.Training!.ExitCondition);
        Assert.Equal(5, net.Training.Epochs);
        Assert.True(net.Evaluate(labels[0]).All(double.IsFinite));
    }

    /// <summary>A small training problem: smooth functions of 3 labels on 37 pixels, already scaled.</summary>
    private static (NeuralParameters Start, float[] X, float[] Y) SmallProblem(int rows, int hidden, int pixels, int seed)
    {
        var r = new Random(seed);
        var x = Enumerable.Range(0, rows * 3).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        var y = new float[rows * pixels];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < pixels; j++) y[i * pixels + j] = (float)(1 - 0.3 * Math.Exp(-Math.Pow(j - 18 - 10 * x[3 * i], 2) / 8) + 0.1 * x[3 * i + 1] * x[3 * i + 2]);
        return (NeuralParameters.Initial(3, hidden, pixels, r), x, y);
    }

    private static void Close(float[] a, float[] b, double tolerance, string what)
    {
        double scale = Math.Max(1e-30, a.Max(Math.Abs));
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= tolerance * scale, $"{what}[{i}]: {a[i]} vs {b[i]} (scale {scale:G3})");
    }

    private static void Agree(DeviceKind device)
    {
        var (start, x, y) = SmallProblem(20, 16, 37, 9);
        using INeuralBackend cpu = new CpuNeuralBackend(start, x, y, 3, 37, 20);
        using INeuralBackend gpu = new GpuNeuralBackend(start, x, y, 3, 37, 20, device);
        var rows = new[] { 3, 1, 4, 15, 9, 2, 6, 5, 19, 0, 7, 11 };
        var gc = cpu.Gradient(rows);
        var gg = gpu.Gradient(rows);
        for (int l = 0; l < 3; l++)
        {
            Close(gc.WeightsT[l], gg.WeightsT[l], 1e-5, $"dL/dW{l}");
            Close(gc.Biases[l], gg.Biases[l], 1e-5, $"dL/db{l}");
        }
        var all = Enumerable.Range(0, 20).ToArray();
        Assert.Equal(cpu.Loss(all), gpu.Loss(all), 6);
        for (int step = 1; step <= 3; step++)
            Assert.Equal(cpu.Step(rows, 1e-3f, step), gpu.Step(rows, 1e-3f, step), 6);
        var pc = cpu.Snapshot();
        var pg = gpu.Snapshot();
        for (int l = 0; l < 3; l++) Close(pc.WeightsT[l], pg.WeightsT[l], 1e-5, $"W{l} after 3 Adam steps");
    }

    [Fact]
    public void Simulated_training_kernels_agree_with_the_cpu_backend() => Agree(DeviceKind.Cpu);

    [CudaFact]
    public void Cuda_training_kernels_agree_with_the_cpu_backend() => Agree(DeviceKind.Cuda);

    [Fact]
    public void Training_through_the_simulator_follows_the_cpu_path()
    {
        var r = new Random(2);
        var labels = Enumerable.Range(0, 24).Select(_ => new[] { r.NextDouble(), 3 + r.NextDouble() }).ToArray();
        var fluxes = labels.Select(l => Enumerable.Range(0, 21).Select(j => 1 - 0.2 * Math.Exp(-Math.Pow(j - 10 - 4 * l[0], 2) / 6) * l[1] / 4).ToArray()).ToArray();
        var options = new NeuralTrainingOptions { MaxEpochs = 3, BatchSize = 6, HiddenUnits = 8 };
        var cpu = NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options);
        var sim = NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options with { Simulator = true });
        Assert.StartsWith("ILGPU CPU simulator", sim.Training!.Device);
        Assert.Equal("CPU", cpu.Training!.Device);
        Assert.Equal(cpu.Training.ValidationLoss, sim.Training.ValidationLoss, 5);
        var a = cpu.Evaluate(labels[0]);
        var b = sim.Evaluate(labels[0]);
        for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) < 1e-4, $"pixel {j}: {a[j]} vs {b[j]}");
    }
}

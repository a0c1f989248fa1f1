using Blase.Engine.Emulators.Neural;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

namespace Blase.Engine.Tests;

/// <summary>
/// Same inputs, options and seed: the same bits, whatever the thread count. The work is split into pieces fixed by the problem
/// (not by the threads), each summed in its own fixed order, and the pieces combined in a fixed order.
/// </summary>
public class DeterminismTests
{
    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    [Fact]
    public void A_transfer_gives_the_same_bits_on_one_two_and_three_threads()
    {
        // Two orders (their Jacobians are formed in parallel), a telluric model, every line free.
        var template = ObservationSimulator.SyntheticLines(80, 8649, 8676, 12);
        var telluric = new LineModel(new[] { 8655.2, 8661.7, 8668.4 }, new[] { Math.Log(0.02), Math.Log(0.05), Math.Log(0.03) },
            new[] { Math.Log(0.02), Math.Log(0.025), Math.Log(0.02) }, new[] { Math.Log(0.01), Math.Log(0.012), Math.Log(0.01) }, mode: CombinationMode.Log);
        var data = new Spectrum(new[]
        {
            ObservationSimulator.Observe(template, TestData.Grid(8651, 8662, 0.05), 5, 4, 0.6, 55_000, w => 1 + 1e-3 * (w - 8656), 200, 7, 0),
            ObservationSimulator.Observe(template, TestData.Grid(8662, 8674, 0.05), 5, 4, 0.6, 55_000, w => 1, 200, 8, 1),
        });
        TransferResult Fit(int threads) => Blase.Engine.Transfer.Transfer.Fit(data, template, telluric,
            new TransferOptions { Threads = threads, BarycentricCorrectionKms = 0, MaxIterations = 25, Free = TransferParameters.Default | TransferParameters.Telluric });
        var one = Fit(1);
        Assert.True(one.Iterations > 3);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Fit(threads);
            Assert.Equal(Bits(new[] { one.RadialVelocity, one.RadialVelocityError, one.Vsini, one.VsiniError, one.ResolvingPower, one.ChiSquare }),
                Bits(new[] { other.RadialVelocity, other.RadialVelocityError, other.Vsini, other.VsiniError, other.ResolvingPower, other.ChiSquare }));
            foreach (var (a, b) in new[] { (one.Model, other.Model), (one.Telluric!, other.Telluric!) })
            {
                Assert.Equal(Bits(a.Center), Bits(b.Center));
                Assert.Equal(Bits(a.LnAmplitude), Bits(b.LnAmplitude));
                Assert.Equal(Bits(a.LnSigma), Bits(b.LnSigma));
                Assert.Equal(Bits(a.LnGamma), Bits(b.LnGamma));
            }
            Assert.Equal(Bits(one.ModelSpectrum.Orders.SelectMany(q => q.Flux)), Bits(other.ModelSpectrum.Orders.SelectMany(q => q.Flux)));
        }
    }

    /// <summary>Runs <paramref name="work"/> with at most <paramref name="threads"/> of its parallel loops' bodies at once
    /// (Parallel.For takes the scheduler of the task it runs in).</summary>
    private static T OnThreads<T>(int threads, Func<T> work)
    {
        var scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, threads).ConcurrentScheduler;
        return Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.None, scheduler).GetAwaiter().GetResult();
    }

    [Fact]
    public void Neural_training_on_the_cpu_gives_the_same_bits_on_one_two_and_three_threads()
    {
        // Products whose outputs are split over the cores but each summed whole by one thread, and losses summed over
        // fixed chunks: nothing depends on how many threads take part.
        var r = new Random(2);
        var labels = Enumerable.Range(0, 40).Select(_ => new[] { r.NextDouble(), 3 + r.NextDouble() }).ToArray();
        var fluxes = labels.Select(l => Enumerable.Range(0, 300).Select(j => 1 - 0.2 * Math.Exp(-Math.Pow(j / 10.0 - 10 - 4 * l[0], 2) / 6) * l[1] / 4).ToArray()).ToArray();
        var options = new NeuralTrainingOptions { MaxEpochs = 4, BatchSize = 12, HiddenUnits = 40, Seed = 3 };
        NeuralEmulator Train(int threads) => OnThreads(threads, () => NeuralTrainer.Train(new[] { "A", "B" }, labels, fluxes, null, options));
        var one = Train(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Train(threads);
            Assert.Equal(Bits(new[] { one.Training!.ValidationLoss, one.Training.TrainingLoss }), Bits(new[] { other.Training!.ValidationLoss, other.Training.TrainingLoss }));
            Assert.Equal(Bits(one.Evaluate(labels[5])), Bits(other.Evaluate(labels[5])));
        }
    }
}

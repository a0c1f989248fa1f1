using System.Collections;
using Blase.Engine.Batch;
using Blase.Engine.IO;

namespace Blase.Engine.Tests;

/// <summary>The batch's bookkeeping: the recipe's hash, the manifest's skip decision, Slurm's task lists, CSV quoting.</summary>
public class BatchTests
{
    [Fact]
    public void A_recipe_hashes_the_same_in_any_key_order_or_case_and_with_integral_numbers_written_either_way()
    {
        var a = new Hashtable { ["Transfer"] = new Hashtable { ["Vsini"] = 3, ["Free"] = new object[] { "RadialVelocity", "Continuum" } }, ["Outputs"] = "Result" };
        var b = new Hashtable { ["outputs"] = "Result", ["transfer"] = new Hashtable { ["free"] = new[] { "RadialVelocity", "Continuum" }, ["VSINI"] = 3.0 } };
        Assert.Equal(RecipeText.Canonical(a), RecipeText.Canonical(b));
        var c = new Hashtable { ["outputs"] = "Result", ["transfer"] = new Hashtable { ["free"] = new[] { "Continuum", "RadialVelocity" }, ["VSINI"] = 3.0 } };
        Assert.NotEqual(RecipeText.Canonical(a), RecipeText.Canonical(c));
        var d = new Hashtable { ["outputs"] = "Result", ["transfer"] = new Hashtable { ["free"] = new[] { "RadialVelocity", "Continuum" }, ["VSINI"] = 3.0000001 } };
        Assert.NotEqual(RecipeText.Canonical(a), RecipeText.Canonical(d));
    }

    [Fact]
    public void The_manifest_skips_only_the_same_input_and_recipe_with_intact_outputs()
    {
        string dir = Directory.CreateTempSubdirectory("blase-manifest-").FullName;
        try
        {
            string input = Path.Combine(dir, "star.fits");
            File.WriteAllText(input, "spectrum");
            var layout = new BatchLayout(dir, input);
            string output = layout.PathOf(BatchOutput.Result);
            File.WriteAllText(output, "result");
            new BatchManifest
            {
                InputSha256 = FileDigest.Sha256(input), RecipeSha256 = "r1", BlaseVersion = "test",
                Outputs = new() { [Path.GetFileName(output)] = FileDigest.Sha256(output) },
                Result = new BatchResult { Input = "star.fits", Path = input, Outcome = BatchOutcome.Reduced, RadialVelocityKms = -9.5, VsiniErrorKms = double.NaN },
            }.Save(layout.Manifest);
            var m = BatchManifest.Load(layout.Manifest)!;
            Assert.Equal(-9.5, m.Result.RadialVelocityKms);
            Assert.True(double.IsNaN(m.Result.VsiniErrorKms));
            Assert.Null(m.WhyRedo(layout, FileDigest.Sha256(input), "r1"));
            Assert.Contains("recipe changed", m.WhyRedo(layout, FileDigest.Sha256(input), "r2"));
            Assert.Contains("input changed", m.WhyRedo(layout, FileDigest.Sha256Text("other"), "r1"));
            File.AppendAllText(output, "!");
            Assert.Contains("differs", m.WhyRedo(layout, FileDigest.Sha256(input), "r1"));
            File.Delete(output);
            Assert.Contains("missing", m.WhyRedo(layout, FileDigest.Sha256(input), "r1"));
            File.WriteAllText(layout.Manifest, "{ half a manif");
            Assert.Null(BatchManifest.Load(layout.Manifest));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("4", new[] { 4 })]
    [InlineData("3-5", new[] { 3, 4, 5 })]
    [InlineData("1,3,7-8%2", new[] { 1, 3, 7, 8 })]
    public void Slurm_array_task_lists_expand(string spec, int[] tasks) => Assert.Equal(tasks, SlurmJob.TaskIndices(spec));

    [Fact]
    public void The_job_script_quotes_its_command_for_bash()
    {
        string s = SlurmJob.Script("blase-batch", 3, 2, "/out/task-%a.out", new[] { new KeyValuePair<string, string>("partition", "debug"), new("exclusive", "") },
            new[] { "dotnet", "/opt/it's here/blase.dll", "/out/task.ps1" });
        Assert.Contains("#SBATCH --array=0-2%2\n", s);
        Assert.Contains("#SBATCH --partition=debug\n", s);
        Assert.Contains("#SBATCH --exclusive\n", s);
        Assert.Contains("exec 'dotnet' '/opt/it'\\''s here/blase.dll' '/out/task.ps1' \"$SLURM_ARRAY_TASK_ID\"\n", s);
    }

    [Fact]
    public void A_csv_field_with_a_comma_or_a_quote_is_quoted()
    {
        string path = Path.Combine(Path.GetTempPath(), $"blase-quote-{Guid.NewGuid():N}.csv");
        try
        {
            LineListWriter.Write(new[] { new BatchSummaryRow("a,b.fits", "Failed", double.NaN, 1, 2, 3, 4, 5, 6, false, "said \"no\", twice", "", "") }, path);
            Assert.StartsWith("\"a,b.fits\",Failed,NaN,1,", File.ReadAllLines(path)[1]);
            Assert.Contains(",\"said \"\"no\"\", twice\",", File.ReadAllLines(path)[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

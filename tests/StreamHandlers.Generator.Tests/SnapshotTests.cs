using System.Linq;
using Xunit;

namespace StreamHandlers.Generator.Tests;

/// <summary>The generated source of realistic handlers, compared with the committed <c>Snapshots/*.verified.cs</c>.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void InstanceStreamHandler()
    {
        var run = GeneratorHarness.Run(Sources.InstanceStreamHandler);

        Assert.Equal(["AiTasks.TaskHandlers.g.cs", "StreamHandlers.Registration.g.cs"], run.HintNames.Order(System.StringComparer.Ordinal));
        Snapshot.Verify(run);
    }

    [Fact]
    public void StaticChannelSubscriber()
    {
        var run = GeneratorHarness.Run(Sources.StaticChannelSubscriber);

        Assert.Equal(["AiTasks.Events.g.cs", "StreamHandlers.Registration.g.cs"], run.HintNames.Order(System.StringComparer.Ordinal));
        Snapshot.Verify(run);
    }

    [Fact]
    public void AllMessageKinds()
    {
        var run = GeneratorHarness.Run(Sources.AllMessageKinds);

        Snapshot.Verify(run);
    }

    [Fact]
    public void ReturnKinds()
    {
        var run = GeneratorHarness.Run(Sources.ReturnKinds);

        Snapshot.Verify(run);
    }

    [Fact]
    public void TypesAcrossNamespaces()
    {
        var run = GeneratorHarness.Run(Sources.InvoicesFile, Sources.ShippingFile, Sources.GlobalNamespaceFile);

        // One file per declaring type, named {Namespace}.{Type}; a nested type keeps its outer type in the name.
        Assert.Equal(
            [
                "Billing.Invoices.InvoiceHandlers.Reminders.g.cs",
                "Billing.Invoices.InvoiceHandlers.g.cs",
                "GlobalHandlers.g.cs",
                "Shipping.ShipmentHandlers.g.cs",
                "StreamHandlers.Registration.g.cs",
            ],
            run.HintNames.Order(System.StringComparer.Ordinal));

        // The default group is the declaring type's .NET full name (Outer+Inner) and the method.
        Assert.Contains(
            "Group = \"Billing.Invoices.InvoiceHandlers+Reminders.OnReminder\",",
            run.Source("Billing.Invoices.InvoiceHandlers.Reminders.g.cs"));
        Assert.Contains("Group = \"Billing.Invoices.InvoiceHandlers.OnInvoice\",", run.Source("Billing.Invoices.InvoiceHandlers.g.cs"));

        // Three attributes on one method: three registrations.
        var invoices = run.Source("Billing.Invoices.InvoiceHandlers.g.cs");
        Assert.Equal(2, CountOf(invoices, "new global::StreamHandlers.Infrastructure.StreamHandlerDescriptor"));
        Assert.Equal(1, CountOf(invoices, "new global::StreamHandlers.Infrastructure.ChannelSubscriberDescriptor"));

        Snapshot.Verify(run);
    }

    [Fact]
    public void AllOptions()
    {
        var run = GeneratorHarness.Run(Sources.AllOptions);

        var source = run.Source("Options.ConfiguredHandlers.g.cs");
        Assert.Contains("Stream = \"tasks:\\\"quoted\\\"\\\\path\",", source);
        Assert.Contains("DeadLetterStream = \"tasks:\\\"quoted\\\"\\\\path:dlq\",", source);
        Assert.Contains("Group = \"group\\twith\\ttabs\",", source);
        Assert.Contains("Start = global::StreamHandlers.StreamStart.Beginning,", source);
        Snapshot.Verify(run);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, System.StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, System.StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

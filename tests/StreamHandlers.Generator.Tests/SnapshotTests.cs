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

    [Fact]
    public void StreamFieldsRecord()
    {
        var run = GeneratorHarness.Run(Sources.StreamFieldsRecord);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(
            [
                "Sales.Order.Fields.g.cs",
                "Sales.OrderHandlers.g.cs",
                "StreamHandlers.FieldsRegistration.g.cs",
                "StreamHandlers.Registration.g.cs",
            ],
            run.HintNames.Order(System.StringComparer.Ordinal));

        // A [StreamFields] message is read field by field, whether the handler takes it nullable or not.
        var handlers = run.Source("Sales.OrderHandlers.g.cs");
        Assert.Equal(2, CountOf(handlers, "var message = invocation.ReadFields<global::Sales.Order>();"));

        var mapper = run.Source("Sales.Order.Fields.g.cs");
        Assert.Contains("fields.DateTimeOffset(\"at\", value.CreatedAt);", mapper);
        Assert.Contains("CreatedAt: fields.DateTimeOffset(\"at\"),", mapper);
        Assert.Contains("fields.ByteArray(\"sig\", value.Signature);", mapper);
        Assert.Contains("Comment = fields.OptionalString(\"note\"),", mapper);
        Assert.Contains("PreviousStatus = fields.OptionalEnum<global::Sales.OrderStatus>(\"PreviousStatus\"),", mapper);
        Assert.Contains("fields.Decimal(\"Total\", value.Total);", mapper);
        Assert.DoesNotContain("fields.Decimal(\"Total\")", mapper);
        Assert.Contains(
            "global::StreamHandlers.Infrastructure.StreamFieldsMappers<global::Sales.Order>.Mapper = new global::StreamHandlers.Generated.Sales_Order_Fields_",
            run.Source("StreamHandlers.FieldsRegistration.g.cs"));
        Snapshot.Verify(run);
    }

    [Fact]
    public void StreamFieldsConstruction()
    {
        var run = GeneratorHarness.Run(Sources.StreamFieldsConstruction);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(
            [
                "Logistics.Heartbeat.Fields.g.cs",
                "Logistics.Outer.Nested.Fields.g.cs",
                "Logistics.Refund.Fields.g.cs",
                "Logistics.Shipment.Fields.g.cs",
                "StreamHandlers.FieldsRegistration.g.cs",
            ],
            run.HintNames.Order(System.StringComparer.Ordinal));

        // The longest usable constructor, then the settable properties; Label has neither, so it is only written.
        var shipment = run.Source("Logistics.Shipment.Fields.g.cs");
        Assert.Contains("return new global::Logistics.Shipment(", shipment);
        Assert.Contains("orderId: fields.String(\"OrderId\"),", shipment);
        Assert.Contains("parcels: fields.Int32(\"Parcels\"))", shipment);
        Assert.Contains("Carrier = fields.OptionalString(\"Carrier\"),", shipment);
        Assert.Contains("fields.String(\"Label\", value.Label);", shipment);
        Assert.DoesNotContain("Kind", shipment);

        // Required members are set in the initializer; a keyword-named property keeps its '@'; internal properties are no fields.
        var refund = run.Source("Logistics.Refund.Fields.g.cs");
        Assert.Contains("return new global::Logistics.Refund\n", refund);
        Assert.Contains("OrderId = fields.String(\"OrderId\"),", refund);
        Assert.Contains("@class = fields.OptionalString(\"class\"),", refund);
        Assert.DoesNotContain("Hidden", refund);
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

using System.Collections.Generic;

namespace StreamHandlers.Generator.Tests;

/// <summary>Realistic user code for the snapshot, compiles-clean and determinism tests.</summary>
internal static class Sources
{
    /// <summary>The README's example: an instance handler built from DI, with a JSON message, the context, a token and a service.</summary>
    public const string InstanceStreamHandler = """
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;
        using StreamHandlers;

        namespace AiTasks;

        public sealed record AiTask(string Id, string Prompt);

        public interface IModelClient
        {
            Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken);
        }

        public sealed class TaskHandlers(ILogger<TaskHandlers> log)
        {
            [StreamHandler("ai:tasks", Group = "workers", MaxRetries = 3)]
            public async Task HandleAsync(AiTask task, StreamMessageContext context, CancellationToken ct, IModelClient model)
            {
                var answer = await model.CompleteAsync(task.Prompt, ct);
                log.LogInformation("Task {Id} (delivery {Delivery}) answered: {Answer}", task.Id, context.DeliveryCount, answer);
            }
        }
        """;

    public const string StaticChannelSubscriber = """
        using System;
        using StreamHandlers;

        namespace AiTasks;

        public static class Events
        {
            [ChannelSubscriber("ai:events")]
            public static void OnEvent(string message, ChannelMessageContext context)
            {
                Console.WriteLine($"{context.Channel}: {message}");
            }
        }
        """;

    /// <summary>Every kind of message: text, the raw entry, JSON (reference and value types, nullable), and optional services.</summary>
    public const string AllMessageKinds = """
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;
        using StackExchange.Redis;
        using StreamHandlers;

        namespace Shop;

        public sealed record Order(string Id, decimal Amount);

        public interface IAuditLog
        {
            void Write(string text);
        }

        public sealed class OrderHandlers(IAuditLog audit)
        {
            [StreamHandler("orders:text")]
            public void OnText(string data) => audit.Write(data);

            [StreamHandler("orders:raw")]
            public static void OnRaw(StreamEntry entry, StreamMessageContext context)
            {
                _ = entry.Id == context.Id;
            }

            [StreamHandler("orders")]
            public Task OnOrder(Order order, CancellationToken ct)
            {
                audit.Write(order.Id);
                return Task.CompletedTask;
            }

            [StreamHandler("orders:maybe")]
            public void OnMaybe(Order? order, ILogger<OrderHandlers>? log = null)
            {
                log?.LogInformation("Order {Id}", order?.Id ?? "(none)");
            }

            [ChannelSubscriber("orders:published")]
            public void OnPublished(Order order, ChannelMessageContext context, IAuditLog other)
            {
                other.Write(context.Channel + order.Id);
            }

            [ChannelSubscriber("orders:count")]
            public static void OnCount(int count, IAuditLog? maybeAudit)
            {
                maybeAudit?.Write(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        """;

    public const string ReturnKinds = """
        using System.Threading.Tasks;
        using StreamHandlers;

        namespace Returns;

        public sealed class Handlers
        {
            [StreamHandler("returns:void")]
            public void Sync(string data) { }

            [StreamHandler("returns:task")]
            public Task Async(string data) => Task.CompletedTask;

            [StreamHandler("returns:value-task")]
            public ValueTask ValueAsync(string data) => default;

            [ChannelSubscriber("returns:static-void")]
            public static void StaticSync(string message) { }

            [ChannelSubscriber("returns:static-task")]
            public static async Task StaticAsync(string message) => await Task.Yield();

            [ChannelSubscriber("returns:static-value-task")]
            public static ValueTask StaticValueAsync(string message) => ValueTask.CompletedTask;
        }
        """;

    /// <summary>Several attributes on one method; types in two namespaces, the global namespace, and a nested type.</summary>
    public const string InvoicesFile = """
        using System.Threading.Tasks;
        using StreamHandlers;

        namespace Billing.Invoices;

        public sealed record Invoice(string Number, decimal Total);

        public sealed class InvoiceHandlers
        {
            [StreamHandler("invoices")]
            [StreamHandler("invoices:priority", Group = "priority")]
            [ChannelSubscriber("invoices:events")]
            public Task OnInvoice(Invoice invoice) => Task.CompletedTask;

            public sealed class Reminders
            {
                [StreamHandler("invoices:reminders")]
                public void OnReminder(string invoiceNumber) { }
            }
        }
        """;

    public const string ShippingFile = """
        using StreamHandlers;

        namespace Shipping
        {
            public static class ShipmentHandlers
            {
                [StreamHandler("shipments", Group = "shipping")]
                public static void OnShipment(string shipment, StreamMessageContext context) { }
            }
        }
        """;

    public const string GlobalNamespaceFile = """
        using StreamHandlers;

        public static class GlobalHandlers
        {
            [ChannelSubscriber("heartbeat")]
            public static void OnHeartbeat(string message) { }
        }
        """;

    /// <summary>Every attribute property set, pattern and sharded subscriptions, and keys that need escaping.</summary>
    public const string AllOptions = """
        using System.Threading;
        using System.Threading.Tasks;
        using StreamHandlers;

        namespace Options;

        public static class ConfiguredHandlers
        {
            [StreamHandler(
                "tasks:\"quoted\"\\path",
                Group = "group\twith\ttabs",
                MaxRetries = 0,
                DeadLetterStream = "tasks:dead",
                BatchSize = 100,
                Concurrency = 8,
                RetryDelayMs = 0,
                ClaimIdleMs = 1,
                Start = StreamStart.Beginning)]
            public static ValueTask OnTask(string data, CancellationToken ct) => default;

            // The default dead-letter stream, derived from a key that needs escaping.
            [StreamHandler(@"tasks:""quoted""\path", Group = "defaults", Start = StreamStart.NewEntries)]
            public static void OnTaskDefaults(string data) { }

            [ChannelSubscriber("news:*", Pattern = true, Concurrency = 4)]
            public static void OnNews(string message, ChannelMessageContext context) { }

            [ChannelSubscriber("{user:1}:updates", Sharded = true)]
            public static void OnShard(string message) { }
        }
        """;

    /// <summary>
    /// A field-mapped record with every supported property type, their nullable forms, renamed fields (on the property
    /// and on the positional parameter), a computed property, and a stream handler that takes it.
    /// </summary>
    public const string StreamFieldsRecord = """
        using System;
        using StreamHandlers;

        namespace Sales;

        public enum OrderStatus
        {
            Pending,
            Shipped,
            Cancelled,
        }

        [StreamFields]
        public sealed record Order(
            string Id,
            bool Paid,
            byte Priority,
            sbyte Offset,
            short Region,
            ushort Warehouse,
            int Quantity,
            uint Version,
            long Sequence,
            ulong Checksum,
            float Weight,
            double Distance,
            decimal Amount,
            OrderStatus Status,
            Guid CustomerId,
            DateTime PlacedAt,
            [property: StreamField("at")] DateTimeOffset CreatedAt,
            TimeSpan Timeout,
            [StreamField("sig")] byte[] Signature)
        {
            [StreamField("note")]
            public string? Comment { get; init; }

            public bool? Gift { get; init; }

            public byte? MaybePriority { get; init; }

            public sbyte? MaybeOffset { get; init; }

            public short? MaybeRegion { get; init; }

            public ushort? MaybeWarehouse { get; init; }

            public int? MaybeQuantity { get; init; }

            public uint? MaybeVersion { get; init; }

            public long? MaybeSequence { get; init; }

            public ulong? MaybeChecksum { get; init; }

            public float? MaybeWeight { get; init; }

            public double? MaybeDistance { get; init; }

            public decimal? Discount { get; init; }

            public OrderStatus? PreviousStatus { get; init; }

            public Guid? CouponId { get; init; }

            public DateTime? ShippedAt { get; init; }

            public DateTimeOffset? DeliveredAt { get; init; }

            public TimeSpan? Delay { get; init; }

            public byte[]? Attachment { get; init; }

            /// <summary>Computed: written for other readers of the stream, never read back.</summary>
            public decimal Total => Amount * Quantity;
        }

        public static class OrderHandlers
        {
            [StreamHandler("orders")]
            public static void OnOrder(Order order, StreamMessageContext context) { }

            [StreamHandler("orders", Group = "maybe")]
            public static void OnMaybeOrder(Order? order) { }
        }
        """;

    /// <summary>
    /// How field-mapped types are created: a class with a constructor for some properties and setters for the rest, a
    /// class with only settable and required properties, a struct, a keyword-named property, and a nested type.
    /// </summary>
    public const string StreamFieldsConstruction = """
        using System;
        using StreamHandlers;

        namespace Logistics;

        [StreamFields]
        public sealed class Shipment
        {
            public Shipment(string orderId, int parcels)
            {
                OrderId = orderId;
                Parcels = parcels;
            }

            // Never used: the generator takes the constructor with the most matching parameters.
            public Shipment(string orderId)
                : this(orderId, 1)
            {
            }

            public string OrderId { get; }

            public int Parcels { get; }

            public string? Carrier { get; set; }

            public DateTimeOffset? PickedUpAt { get; init; }

            public string Label { get; } = "shipment";

            public string this[int index] => OrderId;

            public static string Kind => "shipment";
        }

        [StreamFields]
        public sealed class Refund
        {
            public required string OrderId { get; init; }

            public required decimal Amount { get; set; }

            [StreamField("class")]
            public string? @class { get; set; }

            internal string Hidden { get; set; } = "";
        }

        [StreamFields]
        public readonly record struct Heartbeat(string Node, DateTime At);

        public static class Outer
        {
            [StreamFields]
            public sealed record Nested(long Value);
        }
        """;

    /// <summary>Each named case as the list of its files, for the theories that go over all of them.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> All = new Dictionary<string, string[]>
    {
        [nameof(InstanceStreamHandler)] = [InstanceStreamHandler],
        [nameof(StaticChannelSubscriber)] = [StaticChannelSubscriber],
        [nameof(AllMessageKinds)] = [AllMessageKinds],
        [nameof(ReturnKinds)] = [ReturnKinds],
        ["TypesAcrossNamespaces"] = [InvoicesFile, ShippingFile, GlobalNamespaceFile],
        [nameof(AllOptions)] = [AllOptions],
        [nameof(StreamFieldsRecord)] = [StreamFieldsRecord],
        [nameof(StreamFieldsConstruction)] = [StreamFieldsConstruction],
    };

    public static Xunit.TheoryData<string> Names => new(All.Keys);
}

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

    /// <summary>Each named case as the list of its files, for the theories that go over all of them.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> All = new Dictionary<string, string[]>
    {
        [nameof(InstanceStreamHandler)] = [InstanceStreamHandler],
        [nameof(StaticChannelSubscriber)] = [StaticChannelSubscriber],
        [nameof(AllMessageKinds)] = [AllMessageKinds],
        [nameof(ReturnKinds)] = [ReturnKinds],
        ["TypesAcrossNamespaces"] = [InvoicesFile, ShippingFile, GlobalNamespaceFile],
        [nameof(AllOptions)] = [AllOptions],
    };

    public static Xunit.TheoryData<string> Names => new(All.Keys);
}

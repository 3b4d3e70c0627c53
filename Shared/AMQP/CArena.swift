import CRabbitMQ
import Foundation

/// Owns the C memory handed to rabbitmq-c for one call (strings, tables), so no
/// `amqp_bytes_t` ever points at a Swift temporary. Freed when the arena goes away.
/// Confined to the connection thread.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        var utf8 = Array(string.utf8)
        return bytes(&utf8)
    }

    func bytes(_ data: Data) -> amqp_bytes_t {
        var array = [UInt8](data)
        return bytes(&array)
    }

    private func bytes(_ array: inout [UInt8]) -> amqp_bytes_t {
        guard let pointer = malloc(max(array.count, 1)) else { fatalError("out of memory") }
        allocations.append(pointer)
        array.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { memcpy(pointer, base, buffer.count) }
        }
        return amqp_bytes_t(len: array.count, bytes: pointer)
    }

    /// A NUL-terminated copy, for the few C calls that take `const char *`.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        guard let pointer = strdup(string) else { fatalError("out of memory") }
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    func table(_ values: [String: AMQPHeaderValue]) -> amqp_table_t {
        guard !values.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let count = values.count
        guard let raw = calloc(count, MemoryLayout<amqp_table_entry_t>.stride) else { fatalError("out of memory") }
        allocations.append(raw)
        let entries = raw.bindMemory(to: amqp_table_entry_t.self, capacity: count)
        for (index, key) in values.keys.sorted().enumerated() {
            entries[index].key = bytes(key)
            entries[index].value = fieldValue(values[key]!)
        }
        return amqp_table_t(num_entries: Int32(count), entries: entries)
    }

    private func fieldValue(_ value: AMQPHeaderValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let string):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = bytes(string)
        case .int(let int):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            field.value.i64 = int
        case .bool(let bool):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            field.value.boolean = bool ? 1 : 0
        case .double(let double):
            field.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            field.value.f64 = double
        case .table(let nested):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            field.value.table = table(nested)
        case .array(let items):
            field.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            guard !items.isEmpty, let raw = calloc(items.count, MemoryLayout<amqp_field_value_t>.stride) else {
                field.value.array = amqp_array_t(num_entries: 0, entries: nil)
                return field
            }
            allocations.append(raw)
            let entries = raw.bindMemory(to: amqp_field_value_t.self, capacity: items.count)
            for (index, item) in items.enumerated() { entries[index] = fieldValue(item) }
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        }
        return field
    }
}

/// Reading C values rabbitmq-c owns into Swift values (copies; the C memory is pooled).
enum CRead {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard let base = bytes.bytes, bytes.len > 0 else { return "" }
        let buffer = UnsafeRawBufferPointer(start: base, count: bytes.len)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func data(_ bytes: amqp_bytes_t) -> Data {
        guard let base = bytes.bytes, bytes.len > 0 else { return Data() }
        return Data(bytes: base, count: bytes.len)
    }

    static func table(_ table: amqp_table_t) -> [String: AMQPHeaderValue] {
        guard let entries = table.entries, table.num_entries > 0 else { return [:] }
        var result: [String: AMQPHeaderValue] = [:]
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[string(entry.key)] = value(entry.value)
        }
        return result
    }

    static func value(_ field: amqp_field_value_t) -> AMQPHeaderValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: .string(string(field.value.bytes))
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue, AMQP_FIELD_KIND_TIMESTAMP.rawValue: .int(Int64(clamping: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: .double(Double(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: .double(field.value.f64)
        case AMQP_FIELD_KIND_TABLE.rawValue: .table(table(field.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            .array(
                (0..<Int(field.value.array.num_entries)).compactMap { index in
                    field.value.array.entries.map { value($0[index]) }
                })
        default: .string("<unsupported field kind \(field.kind)>")
        }
    }

    static func properties(_ props: amqp_basic_properties_t) -> AMQPProperties {
        let flags = props._flags
        func has(_ flag: amqp_flags_t) -> Bool { flags & flag != 0 }
        return AMQPProperties(
            messageID: has(SB_FLAG_MESSAGE_ID) ? string(props.message_id) : nil,
            type: has(SB_FLAG_TYPE) ? string(props.type) : nil,
            contentType: has(SB_FLAG_CONTENT_TYPE) ? string(props.content_type) : nil,
            correlationID: has(SB_FLAG_CORRELATION_ID) ? string(props.correlation_id) : nil,
            timestamp: has(SB_FLAG_TIMESTAMP) ? Date(timeIntervalSince1970: TimeInterval(props.timestamp)) : nil,
            appID: has(SB_FLAG_APP_ID) ? string(props.app_id) : nil,
            headers: has(SB_FLAG_HEADERS) ? table(props.headers) : [:],
            deliveryMode: has(SB_FLAG_DELIVERY_MODE) ? props.delivery_mode : 1
        )
    }

    /// A readable reason from an RPC reply that was not normal.
    static func replyError(_ reply: amqp_rpc_reply_t, context: String) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return "\(context): ok"
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return "\(context): \(String(cString: amqp_error_string2(reply.library_error)))"
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == SB_CHANNEL_CLOSE, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return "\(context): channel closed (\(close.reply_code)) \(string(close.reply_text))"
            }
            if reply.reply.id == SB_CONNECTION_CLOSE, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return "\(context): connection closed (\(close.reply_code)) \(string(close.reply_text))"
            }
            return "\(context): server exception (method \(reply.reply.id))"
        default:
            return "\(context): no reply"
        }
    }
}

extension AMQPProperties {
    /// Fills a C properties struct whose strings live in `arena`.
    func cProperties(in arena: CArena) -> amqp_basic_properties_t {
        var props = amqp_basic_properties_t()
        var flags: amqp_flags_t = SB_FLAG_DELIVERY_MODE
        props.delivery_mode = deliveryMode
        if let contentType {
            flags |= SB_FLAG_CONTENT_TYPE
            props.content_type = arena.bytes(contentType)
        }
        if let messageID {
            flags |= SB_FLAG_MESSAGE_ID
            props.message_id = arena.bytes(messageID)
        }
        if let type {
            flags |= SB_FLAG_TYPE
            props.type = arena.bytes(type)
        }
        if let correlationID {
            flags |= SB_FLAG_CORRELATION_ID
            props.correlation_id = arena.bytes(correlationID)
        }
        if let timestamp {
            flags |= SB_FLAG_TIMESTAMP
            props.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
        }
        if let appID {
            flags |= SB_FLAG_APP_ID
            props.app_id = arena.bytes(appID)
        }
        if !headers.isEmpty {
            flags |= SB_FLAG_HEADERS
            props.headers = arena.table(headers)
        }
        props._flags = flags
        return props
    }
}

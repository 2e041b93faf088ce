/** @odoo-module **/
import {Component, onWillDestroy} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardWidgetProps} from "@web/views/widgets/standard_widget_props";
import {useService} from "@web/core/utils/hooks";

/**
 * The bulk operation's form follows the operation live: the jobs send Odoo's bus
 * notification ``omni_bulk_progress`` (see ``omni.bulk.operation``
 * ``_omni_bulk_notify_progress``) after each chunk of orders, and the form reloads
 * its record when the notification is about it. No Refresh button.
 */
export class OmniBulkProgress extends Component {
    static template = "omnichannel_orders.OmniBulkProgress";
    static props = {...standardWidgetProps};

    setup() {
        this.busService = useService("bus_service");
        this.onProgress = (payload) => this.reloadFor(payload);
        this.busService.subscribe("omni_bulk_progress", this.onProgress);
        this.busService.start();
        onWillDestroy(() =>
            this.busService.unsubscribe("omni_bulk_progress", this.onProgress)
        );
    }

    get live() {
        return this.props.record.data.state !== "done";
    }

    async reloadFor(payload) {
        const record = this.props.record;
        if (!payload || payload.operation_id !== record.resId) {
            return;
        }
        if (await record.isDirty()) {
            return;
        }
        await record.load();
    }
}

export const omniBulkProgress = {
    component: OmniBulkProgress,
};

registry.category("view_widgets").add("omni_bulk_progress", omniBulkProgress);

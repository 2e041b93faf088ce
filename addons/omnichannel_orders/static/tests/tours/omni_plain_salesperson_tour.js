/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A salesperson without the order desk opens a plain quotation and confirms it:
 * Odoo's form as Odoo shows it, nothing of ours in the way.
 */
registry.category("web_tour.tours").add("omni_plain_salesperson_tour", {
    steps: () => [
        {
            content: "The quotation form opens with its lines",
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Desk lamp')",
        },
        {
            content: "Odoo's status bar and buttons: Send by Email first, Preview",
            trigger: ".o_form_view .o_statusbar_status:contains('Quotation Sent'):not(:contains('Buffered'))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_quotation_send]",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_preview_sale_order]",
        },
        {
            trigger: ".o_form_view .o_notebook_headers a:contains('Optional Products')",
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The order is a sales order",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
    ],
});

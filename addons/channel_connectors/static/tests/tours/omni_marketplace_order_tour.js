/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * A Lazada order on the order desk's form: the lifecycle as the status bar, the
 * channel's numbers in the header, no quotation button or tab; the one primary
 * button confirms it, then arranges its shipment on the channel.
 */
registry.category("web_tour.tours").add("omni_marketplace_order_tour", {
    steps: () => [
        {
            content: "The order opens as a channel order: Buffered in its lifecycle",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Buffered')",
        },
        {
            content: "The channel's order number and status in words in the header",
            trigger: ".o_form_view div[name=channel_status_label]:contains('Pending')",
        },
        {
            trigger: ".o_form_view div[name=channel_order_ref] span:contains('0')",
        },
        {
            content: "No quotation button, no quotation tab",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_quotation_send])):not(:has(button[name=action_preview_sale_order]))",
        },
        {
            trigger: ".o_form_view .o_notebook_headers:not(:has(a:contains('Optional Products'))):not(:has(a:contains('Quote Builder')))",
        },
        {
            content: "One primary button: Confirm",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(.btn-primary:not([name=action_confirm])))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirmed; the next step is to arrange the shipment",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Confirmed')",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(.btn-primary:not([name=action_channel_arrange_shipment])))",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button.btn-primary[name=action_channel_arrange_shipment]",
            run: "click",
        },
        {
            content: "Drop off at the courier",
            trigger: ".modal .o_field_widget[name=method] input[data-value=dropoff]:checked",
        },
        {
            trigger: ".modal button[name=action_arrange]",
            run: "click",
        },
        {
            content: "Back on the order, the shipment requested",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains('Confirmed')",
        },
    ],
});
